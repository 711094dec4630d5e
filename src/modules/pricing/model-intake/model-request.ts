import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../../infrastructure/http/api-error';

/** Content types of a raw model upload; app.factory.ts hands their bodies to the routes unread, as streams. */
export const MODEL_CONTENT_TYPES = ['model/stl', 'application/sla', 'application/vnd.ms-pki.stl', 'application/octet-stream'];

/**
 * The model stream of an upload request (shop, partner, partner quotes). A
 * body that is not a stream was taken by another parser: the Content-Type
 * was not one of ours, so 415.
 */
export function modelStreamOf(request: { body?: unknown }): IncomingMessage {
  const body = request.body as IncomingMessage | undefined;
  if (!body || typeof body.pipe !== 'function') {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the model as ${MODEL_CONTENT_TYPES.join(', ')}`);
  }
  return body;
}

/** The declared Content-Length, for refusing an oversized model before reading it (Node has already checked its syntax). */
export function declaredLength(header: string | undefined): number | undefined {
  return header === undefined ? undefined : Number(header);
}
