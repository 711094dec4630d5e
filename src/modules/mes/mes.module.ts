import { Module } from '@nestjs/common';
import { DashboardPageCache } from './dashboard/dashboard-page-cache';
import { DashboardStreamService } from './dashboard/dashboard-stream.service';
import { MesDashboardController } from './dashboard/mes-dashboard.controller';
import { MesDashboardRepository } from './dashboard/mes-dashboard.repository';
import { MesOrdersController } from './mes-orders.controller';
import { MesPageController } from './page/mes-page.controller';

@Module({
  controllers: [MesDashboardController, MesOrdersController, MesPageController],
  providers: [MesDashboardRepository, DashboardPageCache, DashboardStreamService],
})
export class MesModule {}
