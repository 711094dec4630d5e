import { Client } from 'pg';

/**
 * A PostgreSQL copy target, loaded fast but no less safely. Order events
 * interleave, so a copy appends mostly one event per transaction, and with
 * synchronous_commit on each waits for its own WAL flush (about 500 events/s
 * on the 2-core test machine). The target's appends therefore commit
 * asynchronously, and before each checkpoint one synchronous commit flushes
 * the WAL up to itself, which covers every earlier asynchronous commit: a
 * checkpoint never names an event a crash of the target could still lose.
 */
export function asynchronousCommitUrl(url: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  parsed.searchParams.set('options', `${options ? `${options} ` : ''}-c synchronous_commit=off`);
  return parsed.toString();
}

export interface WalFlusher {
  /** Returns once everything committed before the call is on the target's disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function walFlusher(url: string): Promise<WalFlusher> {
  const client = new Client({ connectionString: url, application_name: 'alexandrite-events-copy' });
  // A dropped idle connection must not end the process; the next flush fails and stops the copy instead.
  client.on('error', () => undefined);
  await client.connect();
  return {
    async flush() {
      // Taking a transaction id makes this commit write a commit record, and with synchronous_commit on
      // (forced here, whatever the URL says) the commit waits for the WAL to be flushed up to it.
      await client.query('BEGIN');
      await client.query(`SELECT set_config('synchronous_commit', 'on', true), pg_current_xact_id()`);
      await client.query('COMMIT');
    },
    close: () => client.end(),
  };
}
