/**
 * OpenTelemetry, started before Nest and its dependencies load: main.ts
 * imports this file first (or run `node --require ./dist/src/tracing.js`),
 * because the auto-instrumentations patch `http`, `pg`, `undici`... as they
 * are required. Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set;
 * then spans go there over OTLP/HTTP (protobuf), e.g. Jaeger's :4318.
 * The standard OTEL_* variables (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER...)
 * apply as usual.
 */
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { PersonalDataFilter } from './infrastructure/observability/tracing/personal-data-filter';

/** Liveness probes and scrapes would be most of the traces and tell nothing. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

const STARTED = Symbol.for('alexandrite.tracing');

export function otlpEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!value) return undefined;
  try {
    const protocol = new URL(value).protocol;
    // A bad value is reported by loadConfig, which names the variable and stops start-up.
    return protocol === 'http:' || protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function startTracing(env: NodeJS.ProcessEnv = process.env): NodeSDK | undefined {
  const holder = globalThis as { [STARTED]?: NodeSDK };
  if (holder[STARTED]) return holder[STARTED];
  if (!otlpEndpoint(env) || env.OTEL_SDK_DISABLED === 'true') return undefined;
  // Traces only: metrics are Prometheus's (/metrics) and logs are pino's (stdout).
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? 'alexandrite',
    // IP addresses, user agents and query strings are dropped before export.
    spanProcessors: [new PersonalDataFilter(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }))],
    instrumentations: [
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        },
        // Noise without insight for this app: every file read, DNS lookup and socket.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        // Our pino mixin (observability/logger.ts) already writes trace_id and span_id.
        '@opentelemetry/instrumentation-pino': { enabled: false },
        // SQL text only, never the bound values (they can carry order data).
        '@opentelemetry/instrumentation-pg': { enhancedDatabaseReporting: false },
      }),
    ],
  });
  sdk.start();
  holder[STARTED] = sdk;
  return sdk;
}

const sdk = startTracing();

/** Flushes the spans still buffered; main.ts calls it last on shutdown. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
}
