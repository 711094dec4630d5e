import { Injectable, Logger } from '@nestjs/common';
import type { EventActor } from '../event-store/event-store.port';
import { ApiError, conflict, notFound } from '../http/api-error';
import { describeFailure, isPoisonFailure } from './consumer-failure';
import { ParkingConsumerRegistry } from './parked-events.registry';
import { type ParkedEvent, ParkedEventsRepository } from './parked-events.repository';
import type { ParkedState } from './parked-events.queries';

/**
 * What support does with parked events: list them, retry one (once the code
 * or the data is fixed) or skip it for good. Both actions are recorded on
 * the row (who, when) and in an audit log line.
 */
@Injectable()
export class ParkedEventsService {
  private readonly logger = new Logger('ParkedEvents');

  constructor(
    private readonly repository: ParkedEventsRepository,
    private readonly consumers: ParkingConsumerRegistry,
  ) {}

  list(filter: { consumer?: string; state?: ParkedState; streamId?: string; limit: number }): Promise<ParkedEvent[]> {
    return this.repository.list(filter);
  }

  /** Open parked events of one stream, every consumer (support's diagnosis). */
  openOfStream(streamId: string): Promise<ParkedEvent[]> {
    return this.repository.list({ streamId, state: 'parked', limit: 100 });
  }

  async retry(consumerName: string, position: bigint, actor: EventActor): Promise<ParkedEvent> {
    const parked = await this.open(consumerName, position);
    const consumer = this.consumers.get(consumerName);
    if (!consumer) {
      throw conflict('PARKED_EVENT_CONSUMER_NOT_RUNNING', `the consumer ${consumerName} does not run on this replica; retry on one that runs it`, { consumer: consumerName });
    }
    try {
      await consumer.retry(parked);
    } catch (error) {
      if (!isPoisonFailure(error)) throw error;
      const failure = describeFailure(error);
      const updated = await this.repository.recordRetryFailure(consumerName, position, failure);
      this.audit(actor, 'retry', parked, `still failing: ${failure}`);
      throw new ApiError(409, 'PARKED_EVENT_STILL_FAILING', `the event at position ${position} still cannot be applied by ${consumerName}: ${failure}`, {
        consumer: consumerName,
        position: String(position),
        error: failure,
        attempts: updated?.attempts ?? parked.attempts + 1,
      });
    }
    const resolved = await this.repository.close(consumerName, position, 'resolved', actor.id);
    this.audit(actor, 'retry', parked, 'resolved');
    // Someone else closed it meanwhile: the event applies either way; answer what the row says now.
    return resolved ?? (await this.repository.find(consumerName, position)) ?? parked;
  }

  async skip(consumerName: string, position: bigint, actor: EventActor): Promise<ParkedEvent> {
    const parked = await this.open(consumerName, position);
    const skipped = await this.repository.close(consumerName, position, 'skipped', actor.id);
    if (!skipped) throw this.notOpen(consumerName, position, (await this.repository.find(consumerName, position))?.state ?? 'resolved');
    this.audit(actor, 'skip', parked, 'skipped for good');
    return skipped;
  }

  private async open(consumer: string, position: bigint): Promise<ParkedEvent> {
    const parked = await this.repository.find(consumer, position);
    if (!parked) throw notFound('PARKED_EVENT_NOT_FOUND', `the consumer ${consumer} has no parked event at position ${position}`);
    if (parked.state !== 'parked') throw this.notOpen(consumer, position, parked.state);
    return parked;
  }

  private notOpen(consumer: string, position: bigint, state: ParkedState): ApiError {
    return conflict('PARKED_EVENT_NOT_OPEN', `the event at position ${position} is ${state} for ${consumer}, not parked`, { consumer, position: String(position), state });
  }

  private audit(actor: EventActor, action: 'retry' | 'skip', parked: ParkedEvent, outcome: string): void {
    this.logger.log(
      {
        audit: true,
        action: `parked-event.${action}`,
        actor,
        consumer: parked.consumer,
        position: parked.position,
        streamId: parked.streamId,
        eventType: parked.eventType,
        outcome,
      },
      `${actor.role} ${actor.id}: ${action} of the event at position ${parked.position} (${parked.eventType} in ${parked.streamId}) for ${parked.consumer}: ${outcome}`,
    );
  }
}
