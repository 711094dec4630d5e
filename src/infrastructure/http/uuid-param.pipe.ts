import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiError } from './api-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Order ids in routes are UUIDs; anything else is a 400 with a code, before any lookup. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new ApiError(400, 'INVALID_ORDER_ID', `expected a UUID, got ${JSON.stringify(String(value).slice(0, 60))}`);
    }
    return value.toLowerCase();
  }
}
