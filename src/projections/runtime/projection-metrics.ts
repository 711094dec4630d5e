import { Injectable, type OnModuleInit } from '@nestjs/common';
import { BusinessMetrics } from '../../infrastructure/observability/metrics/business-metrics';
import { gauge } from '../../infrastructure/observability/metrics/registry';
import { ProjectionStatus } from './projection-status';

export const projectionLagEvents = gauge('alexandrite_projection_lag_events', 'Events recorded but not applied to the read models yet (capped at 1000)', []);
export const projectionLagSeconds = gauge('alexandrite_projection_lag_seconds', 'Age of the oldest event not applied to the read models yet', []);
export const projectionLeader = gauge('alexandrite_projection_leader', '1 when this replica holds the projector leader lock', []);

/** The projector registers its status with the app's metrics (infrastructure imports no projection). */
@Injectable()
export class ProjectionMetrics implements OnModuleInit {
  constructor(
    private readonly business: BusinessMetrics,
    private readonly status: ProjectionStatus,
  ) {}

  onModuleInit(): void {
    this.business.register({ source: 'projection', collect: () => this.collect() });
  }

  private async collect(): Promise<void> {
    const snapshot = await this.status.snapshot();
    projectionLagEvents.set(snapshot.eventsBehind);
    projectionLagSeconds.set(snapshot.secondsBehind);
    projectionLeader.set(snapshot.role === 'leader' ? 1 : 0);
  }
}
