import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppSettings } from '../../config/app-settings';
import { createRootLogger } from './logger';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppSettings],
      useFactory: (settings: AppSettings) => ({
        pinoHttp: {
          logger: createRootLogger(settings.config),
          // A caller's X-Request-Id is kept when it is sane; otherwise a new one.
          genReqId: (request: IncomingMessage) => {
            const given = request.headers['x-request-id'];
            return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
          },
          customLogLevel: (_request, response, error) =>
            error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
          autoLogging: { ignore: (request: IncomingMessage) => request.url?.startsWith('/health/') === true },
          serializers: {
            req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, url: request.url }),
            res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
