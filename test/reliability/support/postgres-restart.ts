import { execFileSync } from 'node:child_process';

export interface PostgresRestartPlan {
  /** argv of the restart, or undefined with the reason it is skipped. */
  command?: string[];
  reason?: string;
}

/**
 * Restarting PostgreSQL takes down every connection on the machine's server,
 * so it happens only in CI (CI=true) or when asked (RELIABILITY_RESTART_POSTGRES=1),
 * only for the Debian cluster that serves the test database's port, and only
 * where `pg_ctlcluster` exists.
 */
export function postgresRestartPlan(env: NodeJS.ProcessEnv = process.env): PostgresRestartPlan {
  if (env.CI !== 'true' && env.RELIABILITY_RESTART_POSTGRES !== '1') return { reason: 'set CI=true or RELIABILITY_RESTART_POSTGRES=1 to restart the machine PostgreSQL' };
  const url = new URL(env.TEST_DATABASE_URL ?? env.DATABASE_URL ?? 'postgres://invalid');
  if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return { reason: `the test database is not on this machine (${url.hostname})` };
  const port = url.port || '5432';
  let clusters: string;
  try {
    clusters = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  } catch {
    return { reason: 'pg_lsclusters/pg_ctlcluster are not installed (Debian postgresql-common)' };
  }
  // "15  main 5432 online postgres /var/lib/postgresql/15/main /var/log/..."
  const cluster = clusters
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((fields) => fields[2] === port && fields[3]?.startsWith('online'));
  if (!cluster) return { reason: `no online pg_ctlcluster cluster serves port ${port} (the embedded test server cannot be restarted this way)` };
  const restart = ['pg_ctlcluster', cluster[0]!, cluster[1]!, 'restart', '-m', 'fast'];
  // pg_ctlcluster needs root or the cluster's owner (fields[4]).
  const user = process.getuid?.() === 0 ? 'root' : (env.USER ?? '');
  if (user === 'root' || user === cluster[4]) return { command: restart };
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
    return { command: ['sudo', '-n', ...restart] };
  } catch {
    return { reason: `pg_ctlcluster needs root or ${cluster[4]}, and sudo -n is not available` };
  }
}
