import type { OpenAPIObject } from '@nestjs/swagger';

type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;

const HEADER = 'X-Request-Id';
const SCHEMA = { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9._:-]{1,128}$' } as const;

/**
 * Documents the request id on every operation: the optional request header
 * (kept when sane, else replaced by a new UUID) and the header on every
 * answer, so the web shop and partners know to show and quote it.
 */
export function documentRequestIds(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const value of Object.values(item) as unknown[]) {
      if (!value || typeof value !== 'object' || !('responses' in value)) continue;
      const operation = value as OperationObject;
      const parameters = (operation.parameters ??= []);
      parameters.push({
        name: HEADER,
        in: 'header',
        required: false,
        description: 'your id for this request, echoed in the X-Request-Id answer header; a missing or malformed one is replaced by a new UUID',
        schema: SCHEMA,
      });
      for (const response of Object.values(operation.responses as Record<string, { headers?: Record<string, unknown> }>)) {
        response.headers = {
          ...response.headers,
          [HEADER]: { description: "the request's id (yours when sane, else a new UUID); error bodies repeat it as requestId", schema: SCHEMA },
        };
      }
    }
  }
  return document;
}
