import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
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
 * validating a stream), after letting the body flow away.
 */
class JsonBodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && isStream(value)) {
      value.resume();
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'this endpoint takes a JSON body: send Content-Type: application/json');
    }
    // Deeply nested JSON parses fine but would overflow the stack of the recursive DTO transformation.
    if (metadata.type === 'body' && nestingDepthExceeds(value, MAX_BODY_DEPTH)) {
      throw new ApiError(400, 'BODY_TOO_DEEP', `the JSON body is nested deeper than ${MAX_BODY_DEPTH} levels`);
    }
    // PostgreSQL text and jsonb cannot hold U+0000; refused here rather than failing in the database.
    if (containsNulCharacter(value)) throw new ApiError(400, 'NUL_CHARACTER', 'text values must not contain the NUL character (U+0000)');
    return super.transform(value, metadata);
  }
}

const MAX_BODY_DEPTH = 32;

function containsNulCharacter(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

function nestingDepthExceeds(root: unknown, limit: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop() as { value: unknown; depth: number };
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(value)) pending.push({ value: child, depth: depth + 1 });
  }
  return false;
}

function isStream(value: unknown): value is NodeJS.ReadableStream {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function' && typeof (value as { resume?: unknown }).resume === 'function';
}
