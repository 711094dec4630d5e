import { ApiError } from '../../../infrastructure/http/api-error';
import type { ErrorTranslator } from '../../../infrastructure/http/error-mapping';

/** The upload is larger than MODEL_MAX_BYTES (413 MODEL_TOO_LARGE; the connection closes, the rest of the body is not read). */
export class ModelTooLargeError extends Error {
  override readonly name = 'ModelTooLargeError';
  readonly code = 'MODEL_TOO_LARGE';

  constructor(readonly maxBytes: number) {
    super(`the model is larger than ${maxBytes} bytes`);
  }
}

/** The bytes are not a model we can read: EMPTY_BODY (400), or the sniffer's precise code (422). */
export class ModelRejectedError extends Error {
  override readonly name = 'ModelRejectedError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The upload's refusals to HTTP, registered with the one exception filter (error-mapping.ts) by ShopModule. */
export const translateModelUploadErrors: ErrorTranslator = (error) => {
  if (error instanceof ModelTooLargeError) return new ApiError(413, error.code, error.message, { maxBytes: error.maxBytes }, { connection: 'close' });
  if (error instanceof ModelRejectedError) return new ApiError(error.code === 'EMPTY_BODY' ? 400 : 422, error.code, error.message);
  return undefined;
};
