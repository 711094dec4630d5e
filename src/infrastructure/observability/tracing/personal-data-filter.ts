import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Traces carry no personal data: the auto-instrumentations record the
 * caller's IP address, user agent and the query string (where a search term
 * can be a name). This processor sits in front of the exporter and drops
 * those attributes, in both the stable and the older semantic conventions.
 */
const PERSONAL_ATTRIBUTES = [
  'client.address',
  'network.peer.address',
  'net.peer.ip',
  'net.sock.peer.addr',
  'http.client_ip',
  'user_agent.original',
  'http.user_agent',
  'url.query',
];
/** Kept, but without their query string. */
const URL_ATTRIBUTES = ['url.full', 'http.url', 'http.target'];

export class PersonalDataFilter implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // The SDK hands the span's own attribute object; it is exported right after this.
    const attributes = span.attributes as Record<string, unknown>;
    for (const name of PERSONAL_ATTRIBUTES) delete attributes[name];
    for (const name of URL_ATTRIBUTES) {
      const value = attributes[name];
      if (typeof value === 'string' && value.includes('?')) attributes[name] = value.slice(0, value.indexOf('?'));
    }
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
