import { Module } from '@nestjs/common';
import { CarrierWebhookController } from './carrier/carrier-webhook.controller';
import { CrmOrdersController } from './crm-orders.controller';
import { CrmOrdersListController, CrmOrdersListRepository } from './orders-list/crm-orders-list.controller';

@Module({
  controllers: [CrmOrdersListController, CrmOrdersController, CarrierWebhookController],
  providers: [CrmOrdersListRepository],
})
export class CrmModule {}
