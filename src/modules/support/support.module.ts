import { Module } from '@nestjs/common';
import { PricingModule } from '../pricing/pricing.module';
import { SupportDiagnosisService } from './support-diagnosis.service';
import { SupportOrdersController } from './support-orders.controller';
import { SupportPageController } from './page/support-page.controller';
import { ParkedEventsController } from './parked-events/parked-events.controller';
import { StuckOrdersRepository } from './stuck/stuck-orders.repository';

/** Support: replay an order's history, say where and why it is stuck, and handle the events consumers parked. */
@Module({ imports: [PricingModule], controllers: [SupportOrdersController, ParkedEventsController, SupportPageController], providers: [SupportDiagnosisService, StuckOrdersRepository] })
export class SupportModule {}
