import { Injectable } from '@nestjs/common';
import { Database } from '../../../infrastructure/database/database';

export const READ_PRICING_CHECKPOINT = {
  name: 'pricing_read_checkpoint',
  text: 'SELECT position::text AS position, event_store FROM pricing_checkpoints WHERE subscriber = $1',
};

/** GREATEST: replicas share the row and must never move it back. */
export const SAVE_PRICING_CHECKPOINT = {
  name: 'pricing_save_checkpoint',
  text: `INSERT INTO pricing_checkpoints (subscriber, position, event_store) VALUES ($1, $2::bigint, $3)
         ON CONFLICT (subscriber) DO UPDATE SET position = GREATEST(pricing_checkpoints.position, EXCLUDED.position), event_store = EXCLUDED.event_store, updated_at = now()`,
};

/** The only code that touches pricing_checkpoints (the pricing subscriber's position in the event store). */
@Injectable()
export class PricingCheckpointsRepository {
  constructor(private readonly db: Database) {}

  /** The subscriber's position (a bigint, as text) and the event store it belongs to; nulls before the first batch. */
  async read(subscriber: string): Promise<{ position: string | null; eventStore: string | null }> {
    const [row] = await this.db.query<{ position: string | null; event_store: string | null }>(READ_PRICING_CHECKPOINT, [subscriber]);
    return { position: row?.position ?? null, eventStore: row?.event_store ?? null };
  }

  /** Moves the checkpoint forward to `position` (never back). */
  async save(subscriber: string, position: bigint, eventStore: string): Promise<void> {
    await this.db.query(SAVE_PRICING_CHECKPOINT, [subscriber, position.toString(), eventStore]);
  }
}
