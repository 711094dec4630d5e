import { Module } from '@nestjs/common';
import { PricingModule } from '../pricing/pricing.module';
import { SupportDiagnosisService } from './support-diagnosis.service';
import { SupportOrdersController } from './support-orders.controller';
import { SupportPageController } from './page/support-page.controller';
import { RequestEventsRepository } from './requests/request-events.repository';
import { SupportRequestsController } from './requests/support-requests.controller';
import { StuckOrdersRepository } from './stuck/stuck-orders.repository';

/** Support: replay an order's history and say where and why it is stuck. */
@Module({ imports: [PricingModule], controllers: [SupportOrdersController, SupportRequestsController, SupportPageController], providers: [SupportDiagnosisService, StuckOrdersRepository, RequestEventsRepository] })
export class SupportModule {}
