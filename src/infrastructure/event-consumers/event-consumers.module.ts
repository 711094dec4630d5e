import { Global, Module } from '@nestjs/common';
import { EventConsumerMetrics } from './event-consumer-metrics';
import { ParkingConsumerRegistry } from './parked-events.registry';
import { ParkedEventsRepository } from './parked-events.repository';
import { ParkedEventsService } from './parked-events.service';

/**
 * What every event consumer (the projector, the pricing subscriber) shares:
 * the parked events (an event it cannot apply is set aside, with its
 * position and error, so the consumer carries on), the registry support's
 * retry goes through, and per-consumer counters for the metrics.
 */
@Global()
@Module({
  providers: [ParkedEventsRepository, ParkingConsumerRegistry, ParkedEventsService, EventConsumerMetrics],
  exports: [ParkedEventsRepository, ParkingConsumerRegistry, ParkedEventsService, EventConsumerMetrics],
})
export class EventConsumersModule {}
