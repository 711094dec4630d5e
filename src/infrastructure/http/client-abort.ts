import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A client that closes its connection before its request is complete (or
 * before our answer) did nothing wrong on our side: it gets no answer (there
 * is nobody to send one to), a debug line and its own counter, never an
 * error line. 499 is the status proxies log for it (nginx's "client closed
 * request").
 */
export const CLIENT_CLOSED_REQUEST_STATUS = 499;
export const CLIENT_CLOSED_REQUEST = 'CLIENT_CLOSED_REQUEST';

/**
 * The error Node's HTTP server destroys a request stream with when its
 * connection closes mid-body (`abortIncoming`): what a body parser or a
 * route reading the raw stream gets. Its ECONNRESET code is the client's
 * socket, not the database's.
 */
export function isClientAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' && message === 'aborted';
}

/** The connection is gone and no answer was completed: what pino-http calls "request aborted". */
export function clientClosedBeforeAnswer(request: IncomingMessage, response: ServerResponse): boolean {
  return !response.writableEnded && (request.destroyed || response.destroyed);
}
