import type { EventStore } from '../../infrastructure/event-store/event-store.port';
import type { ParkingConsumer } from '../../infrastructure/event-consumers/parked-events.registry';
import type { ParkedEvent } from '../../infrastructure/event-consumers/parked-events.repository';
import { UNAPPLIED_POSITIONS_OF_STREAM } from '../../infrastructure/event-consumers/parked-events.queries';
import { LOCK_CHECKPOINT, NOTIFY_ORDERS_CHANGED } from './checkpoint.queries';
import type { ReadModel } from './read-model';
import type { ReadModelDatabase } from './read-model-database';

/**
 * Support's retry of an event the projector parked, on whichever replica
 * support called. The read models may have applied later events of the
 * stream since, so the parked event is not applied on top: each read model
 * folds the stream again from its start up to the checkpoint (without the
 * events still parked or skipped) and replaces what it holds for it. It runs
 * under the checkpoint row lock, so the leader's batches wait and then
 * continue on top of the repaired rows. A fold that still fails throws, and
 * nothing changes.
 */
export class ProjectionRepair implements ParkingConsumer {
  constructor(
    readonly name: string,
    private readonly database: ReadModelDatabase,
    private readonly eventStore: EventStore,
    private readonly readModels: readonly ReadModel[],
  ) {}

  async retry(parked: ParkedEvent): Promise<void> {
    const position = BigInt(parked.position);
    await this.database.transaction(async (client) => {
      const { rows } = await client.query<{ position: string | null }>({ ...LOCK_CHECKPOINT, values: [this.name] });
      const checkpoint = rows[0]?.position == null ? null : BigInt(rows[0].position);
      if (checkpoint === null || checkpoint < position) throw new Error(`the projector has not reached position ${position} yet`);
      const { rows: unapplied } = await client.query<{ position: string }>({ ...UNAPPLIED_POSITIONS_OF_STREAM, values: [this.name, parked.streamId] });
      const leaveOut = new Set(unapplied.map((row) => BigInt(row.position)).filter((other) => other !== position));
      const stream = (await this.eventStore.readStream(parked.streamId)).filter((event) => event.position <= checkpoint && !leaveOut.has(event.position));
      const event = stream.find((candidate) => candidate.position === position);
      if (!event) throw new Error(`the stream ${parked.streamId} has no event at position ${position}`);
      for (const model of this.readModels) {
        if (model.reproject) await model.reproject(client, parked.streamId, stream, '');
        else await model.apply(client, [event], '');
      }
      // Every replica's dashboard cache is cleared, as after a batch.
      await client.query({ ...NOTIFY_ORDERS_CHANGED, values: [JSON.stringify({ position: String(checkpoint) })] });
    });
  }
}
