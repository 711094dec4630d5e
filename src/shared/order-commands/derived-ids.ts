import { createHash, randomUUID } from 'node:crypto';
import type { CommandContext } from './command-context';

/** Namespace of the ids derived from an Idempotency-Key (a fixed, random UUID). */
const IDEMPOTENT_IDS = '3170fd81-69c0-41a8-b7db-00b1bf63e2c9';

/** RFC 4122 version 5: the UUID named `name` in `namespace` (SHA-1), the same every time. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of a new order. Under an Idempotency-Key it is derived from the
 * key's seed, so a retry after a crash (the order stored, the response not)
 * names the same order and is answered with it instead of creating another.
 */
export function newOrderId(context: CommandContext): string {
  return context.idempotencySeed ? uuidV5(IDEMPOTENT_IDS, `${context.idempotencySeed}\norder`) : randomUUID();
}

/**
 * Ids of the events a command appends to `streamId`: derived from the
 * Idempotency-Key's seed when there is one (a retry decides the same ids, and
 * finds them in the stream when the first attempt's append committed), random
 * otherwise.
 */
export function eventIdsFor(context: CommandContext, streamId: string, commandType: string): (index: number) => string {
  const seed = context.idempotencySeed;
  if (!seed) return () => randomUUID();
  return (index) => uuidV5(IDEMPOTENT_IDS, `${seed}\n${streamId}\n${commandType}\n${index}`);
}
