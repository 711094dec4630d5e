import { RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { IdempotencyInterceptor } from './idempotency.interceptor';

type Handler = (...args: unknown[]) => unknown;

/** The POST routes of `controllers` that lack @Idempotent(), as "Controller.method (POST path)". */
export function postRoutesWithoutIdempotency(controllers: ReadonlyArray<abstract new (...args: never[]) => unknown>): string[] {
  const missing: string[] = [];
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value as Handler | undefined;
      if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.POST) continue;
      const interceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
      if (!interceptors.includes(IdempotencyInterceptor)) {
        const path = [Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler)].filter(Boolean).join('/');
        missing.push(`${controller.name}.${name} (POST ${path})`);
      }
    }
  }
  return missing;
}
