import type { Lsn } from './lsn';

/** How many of the primary's recent positions are kept (at one sample per 250 ms: about a minute). */
const MAX_SAMPLES = 256;

/**
 * A replica's lag in time, from the primary's WAL positions sampled over time.
 *
 * `now() - pg_last_xact_replay_timestamp()` on the replica is the usual
 * measure, but it grows while the primary is idle (nothing to replay is not
 * lag) and needs both clocks to agree. Instead: the primary's position is
 * sampled with our own clock; a replica that has replayed position P is as
 * far behind as the time since the primary first showed a position beyond
 * P. A replica at or past the newest sample has no lag. Pure: the caller
 * samples and passes the clock.
 */
export class ReplicaLagEstimator {
  private readonly samples: Array<{ at: number; position: Lsn }> = [];

  recordPrimary(at: number, position: Lsn): void {
    const last = this.samples[this.samples.length - 1];
    if (last && last.position === position) return; // an idle primary adds nothing new
    this.samples.push({ at, position });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
  }

  /**
   * Milliseconds behind at `now` for a replica that has replayed `replayed`; Infinity when
   * it is behind every sample kept (older than the window: surely too far behind).
   */
  lagMs(replayed: Lsn, now: number): number {
    const newest = this.samples[this.samples.length - 1];
    if (!newest || replayed >= newest.position) return 0;
    // The oldest sample the replica has not reached: the primary has been ahead of it since then.
    let firstAhead: { at: number } | undefined;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const sample = this.samples[i]!;
      if (sample.position <= replayed) break;
      firstAhead = sample;
      if (i === 0) return Infinity;
    }
    return Math.max(0, now - (firstAhead?.at ?? now));
  }
}
