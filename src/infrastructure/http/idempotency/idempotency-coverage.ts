import { RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { IdempotencyInterceptor } from './idempotency.interceptor';

type Handler = (...args: unknown[]) => unknown;
type ControllerClass = abstract new (...args: never[]) => unknown;

/** Methods that take a POST: @Post and @All. */
const TAKES_POST = new Set<unknown>([RequestMethod.POST, RequestMethod.ALL]);

/**
 * The routes of `controllers` that take a POST without @Idempotent() (on the
 * method or its class), as "Controller.method (METHOD path)". Inherited route
 * methods count: Nest registers them too.
 */
export function postRoutesWithoutIdempotency(controllers: readonly ControllerClass[]): string[] {
  const missing: string[] = [];
  for (const controller of controllers) {
    const onClass = interceptorsOf(controller);
    for (const [name, handler] of routeMethodsOf(controller)) {
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (!TAKES_POST.has(method)) continue;
      if (onClass.includes(IdempotencyInterceptor) || interceptorsOf(handler).includes(IdempotencyInterceptor)) continue;
      const path = [Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler)].filter(Boolean).join('/');
      missing.push(`${controller.name}.${name} (${RequestMethod[method!]} ${path})`);
    }
  }
  return missing;
}

function interceptorsOf(target: object): unknown[] {
  return (Reflect.getMetadata(INTERCEPTORS_METADATA, target) ?? []) as unknown[];
}

/** Every method on the prototype chain up to Object (the nearest definition of each name). */
function routeMethodsOf(controller: ControllerClass): Map<string, Handler> {
  const methods = new Map<string, Handler>();
  for (let prototype = controller.prototype as object | null; prototype && prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype) as object | null) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const value = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
      if (name !== 'constructor' && typeof value === 'function' && !methods.has(name)) methods.set(name, value as Handler);
    }
  }
  return methods;
}
