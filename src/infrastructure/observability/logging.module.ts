import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { AppSettings } from '../../config/app-settings';
import { redactCredentialsInUrl } from '../auth/credential-redaction';
import { CLIENT_CLOSED_REQUEST, clientClosedBeforeAnswer } from '../http/client-abort';
import { releaseLogContextLogger, useLogContextLogger } from './log-context';
import { createRootLogger } from './logger';
import { installOrderLogContext, orderIdOfRequest } from './order-log-context';

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppSettings],
      useFactory: (settings: AppSettings) => ({
        pinoHttp: {
          logger: createRootLogger(settings.config),
          // No genReqId: Fastify's (request-id.ts) already set req.id, which pino-http takes as it is.
          // A client that hung up before our answer is not news either (client-abort.ts).
          customLogLevel: (request, response, error) =>
            error || response.statusCode >= 500 ? 'error' : clientClosedBeforeAnswer(request, response) ? 'debug' : response.statusCode >= 400 ? 'warn' : 'info',
          // Probes are not news. Under Fastify the middleware may see a rewritten `url`; originalUrl is what was asked.
          autoLogging: {
            ignore: (request: IncomingMessage & { originalUrl?: string }) => (request.originalUrl ?? request.url)?.startsWith('/health/') === true,
          },
          // Evaluated again when the response is logged: by then installOrderLogContext's hook knows the order.
          // (nestjs-pino's assignResponse would do this too, but it defeats autoLogging.ignore.)
          // undefined, not {}: pino-http builds one more child logger per request for any object.
          customProps: (request: IncomingMessage, response: ServerResponse) => {
            const orderId = orderIdOfRequest(request);
            const props = { ...(orderId ? { order_id: orderId } : {}), ...(clientClosedBeforeAnswer(request, response) ? { code: CLIENT_CLOSED_REQUEST } : {}) };
            return Object.keys(props).length > 0 ? props : (undefined as unknown as object);
          },
          serializers: {
            req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, url: redactCredentialsInUrl(request.url) }),
            res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly logger: PinoLogger,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    useLogContextLogger(this.logger);
    installOrderLogContext(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), this.logger);
  }

  onModuleDestroy(): void {
    releaseLogContextLogger(this.logger);
  }
}
