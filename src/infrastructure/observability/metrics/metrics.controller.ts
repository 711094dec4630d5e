import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { Public } from '../../auth/roles.decorator';
import { BusinessMetrics } from './business-metrics';

/** GET /metrics: public like /health (scraped inside the cluster; no order data, only counts). */
@ApiExcludeController()
@Public()
@Controller()
export class MetricsController extends PrometheusController {
  constructor(private readonly business: BusinessMetrics) {
    super();
  }

  @Get()
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    await this.business.refresh();
    return super.index(response);
  }
}
