import { Module } from '@nestjs/common';
import { CarrierWebhookController } from './carrier/carrier-webhook.controller';
import { CrmOrdersController } from './crm-orders.controller';

@Module({ controllers: [CrmOrdersController, CarrierWebhookController] })
export class CrmModule {}
