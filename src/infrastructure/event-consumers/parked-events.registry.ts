import { Injectable } from '@nestjs/common';
import type { ParkedEvent } from './parked-events.repository';

/**
 * An event consumer that parks events (see parked-events.service.ts). `retry`
 * applies one parked event again, however the consumer does that (the
 * projector folds the event's stream again, the pricing subscriber enqueues
 * its job); it throws when the event still cannot be applied.
 */
export interface ParkingConsumer {
  name: string;
  retry(parked: ParkedEvent): Promise<void>;
}

/** Consumers register at start-up; support's retry finds them here by name. */
@Injectable()
export class ParkingConsumerRegistry {
  private readonly consumers = new Map<string, ParkingConsumer>();

  register(consumer: ParkingConsumer): void {
    this.consumers.set(consumer.name, consumer);
  }

  get(name: string): ParkingConsumer | undefined {
    return this.consumers.get(name);
  }

  names(): string[] {
    return [...this.consumers.keys()];
  }
}
