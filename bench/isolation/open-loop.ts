import { type Agent, get } from 'node:http';

/**
 * An open-loop load generator: requests start on a fixed schedule whatever
 * the answers take (a closed loop would slow down with the server and hide
 * its queueing). Used by bench/isolation and the noisy-neighbour test.
 */
export interface OpenLoopResult {
  statuses: Map<number, number>;
  /** Milliseconds from send to the full answer, of every request that got one. */
  latenciesMs: number[];
  errors: number;
}

/** What openLoop needs of an answer: fetch's Response has it, and so does bench/isolation's node:http client. */
export interface LoopAnswer {
  status: number;
  arrayBuffer(): Promise<unknown>;
}

/**
 * A GET over node:http on a keep-alive agent: far less client CPU per request
 * than fetch, which matters when the load generator shares the app's cores.
 */
export function keepAliveGet(agent: Agent, url: string, headers: Record<string, string>): Promise<LoopAnswer> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent, headers }, (response) => {
      response.on('data', () => undefined);
      response.once('error', reject);
      response.once('end', () => resolve({ status: response.statusCode ?? 0, arrayBuffer: () => Promise.resolve(undefined) }));
    });
    request.once('error', reject);
  });
}

export async function openLoop(options: { rps: number; durationMs: number; send: () => Promise<LoopAnswer> }): Promise<OpenLoopResult> {
  const result: OpenLoopResult = { statuses: new Map(), latenciesMs: [], errors: 0 };
  const total = Math.round((options.rps * options.durationMs) / 1000);
  const interval = 1000 / options.rps;
  const start = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let index = 0; index < total; index++) {
    const due = start + index * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = performance.now();
    inFlight.push(
      options.send().then(
        async (response) => {
          await response.arrayBuffer();
          result.latenciesMs.push(performance.now() - sentAt);
          result.statuses.set(response.status, (result.statuses.get(response.status) ?? 0) + 1);
        },
        () => {
          result.errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return result;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
