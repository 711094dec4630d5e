/**
 * The projector's own SQL: checkpoint, leader lock, change notification.
 * Positions cross the wire as text (bigints beyond 2^53 must not become JS numbers).
 */

/** The checkpoint row shared by every read model in ../read-models (they move together, in one transaction). */
export const READ_MODELS_PROJECTION = 'read-models';

/** Channel of the NOTIFY sent with every committed batch; payload `{"position":"<last position>"}`. */
export const ORDERS_CHANGED_CHANNEL = 'orders_changed';

/** Advisory lock class 'PROJ': keeps the projector's locks apart from other advisory locks. */
const LOCK_CLASS = 1_347_571_530;

/** $1 projection. true when this session is now the leader (session-level: released when the connection ends). */
export const TRY_LEADER_LOCK = `SELECT pg_try_advisory_lock(${LOCK_CLASS}, hashtext($1::text)) AS locked`;
export const RELEASE_LEADER_LOCK = `SELECT pg_advisory_unlock(${LOCK_CLASS}, hashtext($1::text)) AS released`;

/** $1 projection. One rebuild at a time (the live projector does not take this one). */
export const TRY_REBUILD_LOCK = `SELECT pg_try_advisory_lock(${LOCK_CLASS}, hashtext($1::text || ':rebuild')) AS locked`;

/** $1 projection, $2 event store (adapter name). */
export const ENSURE_CHECKPOINT = `INSERT INTO projection_checkpoints (projection, position, event_store) VALUES ($1::text, NULL, $2::text) ON CONFLICT (projection) DO NOTHING`;

export const READ_CHECKPOINT = {
  name: 'projection_checkpoint_read_v2',
  text: `SELECT position::text AS position, event_store FROM projection_checkpoints WHERE projection = $1::text`,
};

/**
 * $1 projection, $2 event store. Run once the checkpoint was found to
 * belong to this store (or to have no position yet): from then on its
 * positions are this store's. A rebuild runs it with the swap.
 */
export const TAG_CHECKPOINT = {
  name: 'projection_checkpoint_tag_v1',
  text: `UPDATE projection_checkpoints SET event_store = $2::text WHERE projection = $1::text AND event_store IS DISTINCT FROM $2::text`,
};

/**
 * $1 projection. The first statement of every batch transaction: it
 * serialises batches with a rebuild's swap, and shows whether someone else
 * (a rebuild, a leader that lost its lock but not yet its connection) moved
 * the checkpoint since this projector read it.
 */
export const LOCK_CHECKPOINT = {
  name: 'projection_checkpoint_lock_v1',
  text: `SELECT position::text AS position FROM projection_checkpoints WHERE projection = $1::text FOR UPDATE`,
};

/** $1 projection, $2 position. */
export const SET_CHECKPOINT = {
  name: 'projection_checkpoint_set_v1',
  text: `UPDATE projection_checkpoints SET position = $2::bigint, updated_at = now() WHERE projection = $1::text`,
};

/** $1 payload. Delivered to listeners only when the transaction commits. */
export const NOTIFY_ORDERS_CHANGED = {
  name: 'projection_notify_orders_changed_v1',
  text: `SELECT pg_notify('${ORDERS_CHANGED_CHANNEL}', $1::text)`,
};
