import { ModelRejectedError, ModelTooLargeError, translateModelUploadErrors } from './model-upload.errors';

describe('model upload refusals to HTTP', () => {
  it('too large: 413 MODEL_TOO_LARGE with the limit, and the connection closes (the rest of the body is not read)', () => {
    const error = translateModelUploadErrors(new ModelTooLargeError(1000))!;
    expect(error).toMatchObject({
      status: 413,
      code: 'MODEL_TOO_LARGE',
      message: 'the model is larger than 1000 bytes',
      details: { maxBytes: 1000 },
      headers: { connection: 'close' },
    });
  });

  it("an empty body is 400 EMPTY_BODY; any other unreadable model 422 with the sniffer's code", () => {
    expect(translateModelUploadErrors(new ModelRejectedError('EMPTY_BODY', 'the body is empty'))).toMatchObject({ status: 400, code: 'EMPTY_BODY' });
    expect(translateModelUploadErrors(new ModelRejectedError('NOT_A_MODEL', 'not a model'))).toMatchObject({ status: 422, code: 'NOT_A_MODEL', message: 'not a model' });
  });

  it('leaves other errors to the other translators', () => {
    expect(translateModelUploadErrors(new Error('x'))).toBeUndefined();
  });
});
