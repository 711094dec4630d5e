import type { FastifyReply } from 'fastify';
import { badRequest } from './api-error';
import { rejectUnknownParameters } from './list-query';

/** The longest `?wait=` a caller may ask for, in seconds (below proxies' usual 60 s idle timeouts). */
export const MAX_WAIT_SECONDS = 30;

export interface LongPoll {
  /** Answer once the revision is above this (-1: any). */
  changedAfter: number;
  /** How long to wait for that; 0: answer at once. */
  waitMs: number;
}

/**
 * `?changedAfter=<revision>&wait=<seconds>`: wait up to `wait` seconds for a revision above `changedAfter`.
 * Neither given: answer at once. `wait` needs `changedAfter` (there is nothing to wait for otherwise).
 */
export function parseLongPoll(query: Record<string, unknown>): LongPoll {
  rejectUnknownParameters(query, ['changedAfter', 'wait']);
  const { changedAfter, wait } = query;
  if (changedAfter === undefined) {
    if (wait !== undefined) throw badRequest('INVALID_WAIT', 'wait needs changedAfter: the revision the caller already has');
    return { changedAfter: -1, waitMs: 0 };
  }
  if (typeof changedAfter !== 'string' || !/^(-1|0|[1-9]\d{0,9})$/.test(changedAfter))
    throw badRequest('INVALID_CHANGED_AFTER', 'changedAfter must be given once, as a revision: an integer from -1');
  if (wait !== undefined && (typeof wait !== 'string' || !/^\d{1,2}$/.test(wait) || Number(wait) > MAX_WAIT_SECONDS))
    throw badRequest('INVALID_WAIT', `wait must be given once, as whole seconds from 0 to ${MAX_WAIT_SECONDS}`);
  return { changedAfter: Number(changedAfter), waitMs: wait === undefined ? 0 : Number(wait) * 1000 };
}

/** Aborts when the caller's connection closes before the answer is sent (a long poll it gave up on). */
export function connectionClosed(reply: FastifyReply): AbortSignal {
  const closed = new AbortController();
  reply.raw.once('close', () => closed.abort());
  return closed.signal;
}

/** The order's revision as its entity tag: a long-polling client sends it back as changedAfter. */
export function setRevisionTag(reply: FastifyReply, revision: number): void {
  void reply.header('etag', `"${revision}"`);
}
