import { Module } from '@nestjs/common';
import { PricingModule } from '../pricing';
import { SupportDiagnosisService } from './support-diagnosis.service';
import { SupportOrdersController } from './support-orders.controller';
import { SupportPageController } from './page/support-page.controller';
import { ParkedEventsController } from './parked-events/parked-events.controller';
import { RequestEventsRepository } from './requests/request-events.repository';
import { SupportRequestsController } from './requests/support-requests.controller';
import { StuckOrdersMetrics } from './stuck/stuck-orders.metrics';
import { StuckOrdersRepository } from './stuck/stuck-orders.repository';

/** Support: replay an order's history, say where and why it is stuck, find what a request changed, and handle the events consumers parked. */
@Module({
  imports: [PricingModule],
  controllers: [SupportOrdersController, SupportRequestsController, ParkedEventsController, SupportPageController],
  providers: [SupportDiagnosisService, StuckOrdersRepository, StuckOrdersMetrics, RequestEventsRepository],
})
export class SupportModule {}
