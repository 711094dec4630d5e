import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator';
import { ShutdownState } from '../lifecycle/shutdown-state';
import { ReadinessRegistry } from './readiness.registry';

const CHECK_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: ReadinessRegistry,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: database, event store, blob storage and the other registered checks' })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const checks = this.registry.all().map((readiness) => () => this.run(readiness.name, () => readiness.check()));
    // Readiness turns false first when the process is asked to stop.
    if (this.shutdown.stopping) checks.push(async () => this.indicators.check('shutdown').down({ message: 'shutting down' }));
    try {
      const result = await this.health.check(checks);
      await reply.status(200).send(result);
    } catch (error) {
      const body = (error as { getResponse?: () => unknown }).getResponse?.() ?? { status: 'error' };
      await reply.status(503).send(body);
    }
  }

  private async run(name: string, check: () => Promise<Record<string, unknown> | void>): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(name);
    try {
      const details = await withTimeout(check(), CHECK_TIMEOUT_MS, `${name} did not answer within ${CHECK_TIMEOUT_MS} ms`);
      return session.up(details ?? {});
    } catch (error) {
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
