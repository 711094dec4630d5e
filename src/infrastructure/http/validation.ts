import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error';

/**
 * The global validation pipe: DTO classes declare their fields with
 * class-validator; unknown fields are refused, and types are converted only
 * where a DTO declares it (@Type), never implicitly.
 */
export function createValidationPipe(): ValidationPipe {
  return new JsonBodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    exceptionFactory: (errors: ValidationError[]) => {
      const fields = flatten(errors);
      return new ApiError(400, 'VALIDATION_FAILED', fields.map((field) => `${field.field}: ${field.problems.join(', ')}`).join('; '), {
        fields,
      });
    },
  });
}

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; problems: string[] }> {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Model uploads are parsed as raw streams for any route; a route that
 * expects a JSON body and gets such a stream answers 415 (not a 500 from
 * validating a stream), after letting the body flow away. JSON bodies were
 * already checked by the hook below; query, route and custom parameters are
 * checked here.
 */
class JsonBodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && isStream(value)) {
      value.resume();
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'this endpoint takes a JSON body: send Content-Type: application/json');
    }
    if (metadata.type !== 'body') assertStorableInput(value);
    return super.transform(value, metadata);
  }
}

/**
 * Every parsed JSON body is checked right after parsing, before the guard,
 * the idempotency fingerprint or the validation pipe touch it: these all
 * recurse, and the database refuses text that JSON can carry.
 */
export function installJsonBodyChecks(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (request) => {
    if (request.body !== undefined && !isStream(request.body)) assertStorableInput(request.body);
  });
}

export const MAX_BODY_DEPTH = 32;

/**
 * Refuses, without recursing, what would fail later as a 500: nesting deeper
 * than MAX_BODY_DEPTH (it overflows the stack of the recursive DTO
 * transformation and of JSON.stringify), U+0000 (PostgreSQL text and jsonb
 * cannot hold it) and a lone UTF-16 surrogate (JSON's "\ud800" parses, but
 * it is no character: PostgreSQL refuses it in jsonb), in values and keys.
 */
export function assertStorableInput(root: unknown): void {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop() as { value: unknown; depth: number };
    if (typeof value === 'string') {
      assertStorableText(value);
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_BODY_DEPTH) throw new ApiError(400, 'BODY_TOO_DEEP', `the JSON body is nested deeper than ${MAX_BODY_DEPTH} levels`);
      for (const [key, child] of Object.entries(value)) {
        assertStorableText(key);
        pending.push({ value: child, depth: depth + 1 });
      }
    }
  }
}

function assertStorableText(text: string): void {
  if (text.includes('\u0000')) throw new ApiError(400, 'NUL_CHARACTER', 'text values must not contain the NUL character (U+0000)');
  // With the u flag, \p{Cs} matches only surrogates that are not half of a pair.
  if (/\p{Cs}/u.test(text)) throw new ApiError(400, 'INVALID_UNICODE', 'text values must be well-formed Unicode: a lone UTF-16 surrogate (such as \\ud800) is not a character');
}

function isStream(value: unknown): value is NodeJS.ReadableStream {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function' && typeof (value as { resume?: unknown }).resume === 'function';
}
