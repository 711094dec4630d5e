import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createRootLogger } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createRootLogger({ log: { level: 'info', format: 'json' } }, destination) };
}

describe('the root logger', () => {
  it('redacts credentials in request headers and secrets anywhere one level down', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer abc.def.ghi', 'x-api-key': 'ak_live_123', cookie: 'session=s3cr3t', accept: 'application/json' } },
        res: { headers: { 'set-cookie': 'session=s3cr3t' } },
        upstream: { headers: { authorization: 'Basic Zm9vOmJhcg==' }, token: 'tok-1', accessToken: 'at-1', apiKey: 'k-1', password: 'pw' },
      },
      'outgoing call',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['abc.def.ghi', 'ak_live_123', 's3cr3t', 'Zm9vOmJhcg', 'tok-1', 'at-1', 'k-1', '"pw"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'application/json' } } });
  });

  it('adds trace_id and span_id while a span is active, and nothing otherwise', () => {
    const { lines, logger } = capture();
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    context.with(trace.setSpanContext(context.active(), spanContext), () => logger.info('inside'));
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: spanContext.traceId, span_id: spanContext.spanId });
    expect(lines[1]).not.toHaveProperty('trace_id');
    context.disable();
  });
});
