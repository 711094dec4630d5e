import { Injectable } from '@nestjs/common';

/**
 * Plain per-consumer counters of this process (the projector on the leader,
 * the pricing subscriber on every replica that runs it), read by the
 * metrics module at scrape time. The open parked events are a gauge read
 * from the database (ParkedEventsRepository.countOpen), the same on every
 * replica.
 */
@Injectable()
export class EventConsumerMetrics {
  /** Events this process parked, per consumer. */
  readonly parked = new Map<string, number>();
  /** Failed batches that were retried as they were (the world's fault, not an event's), per consumer. */
  readonly errors = new Map<string, number>();
  private readonly consumers = new Set<string>();

  /** Makes the consumer's series exist (at 0) before anything happens to it. */
  declare(consumer: string): void {
    this.consumers.add(consumer);
    if (!this.parked.has(consumer)) this.parked.set(consumer, 0);
    if (!this.errors.has(consumer)) this.errors.set(consumer, 0);
  }

  eventParked(consumer: string): void {
    this.declare(consumer);
    this.parked.set(consumer, (this.parked.get(consumer) ?? 0) + 1);
  }

  failed(consumer: string): void {
    this.declare(consumer);
    this.errors.set(consumer, (this.errors.get(consumer) ?? 0) + 1);
  }

  get declared(): string[] {
    return [...this.consumers];
  }
}
