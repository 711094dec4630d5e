import { Module } from '@nestjs/common';
import { PricingModule } from '../pricing/pricing.module';
import { SupportDiagnosisService } from './support-diagnosis.service';
import { SupportOrdersController } from './support-orders.controller';
import { SupportPageController } from './page/support-page.controller';
import { StuckOrdersRepository } from './stuck/stuck-orders.repository';

/** Support: replay an order's history and say where and why it is stuck. */
@Module({ imports: [PricingModule], controllers: [SupportOrdersController, SupportPageController], providers: [SupportDiagnosisService, StuckOrdersRepository] })
export class SupportModule {}
