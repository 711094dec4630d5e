import { Module } from '@nestjs/common';
import { DashboardStreamService } from './dashboard/dashboard-stream.service';
import { MesDashboardController } from './dashboard/mes-dashboard.controller';
import { MesDashboardRepository } from './dashboard/mes-dashboard.repository';
import { MesOrdersController } from './mes-orders.controller';
import { MesPageController } from './page/mes-page.controller';

@Module({
  controllers: [MesDashboardController, MesOrdersController, MesPageController],
  providers: [MesDashboardRepository, DashboardStreamService],
})
export class MesModule {}
