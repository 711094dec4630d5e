import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Database } from '../database/database';
import { HealthController } from './health.controller';
import { ReadinessRegistry } from './readiness.registry';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ReadinessRegistry],
  exports: [ReadinessRegistry],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly registry: ReadinessRegistry,
    private readonly database: Database,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      name: 'database',
      check: async () => {
        await this.database.ping();
      },
    });
  }
}
