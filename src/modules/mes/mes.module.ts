import { Module } from '@nestjs/common';
import { MesOrdersController } from './mes-orders.controller';

@Module({ controllers: [MesOrdersController] })
export class MesModule {}
