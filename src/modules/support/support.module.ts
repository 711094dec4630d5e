import { Module } from '@nestjs/common';
import { SupportOrdersController } from './support-orders.controller';

/** Support: replay an order's history and say where and why it is stuck. */
@Module({ controllers: [SupportOrdersController] })
export class SupportModule {}
