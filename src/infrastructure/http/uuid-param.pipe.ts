import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiError } from './api-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A UUID route parameter; anything else is a 400 with `code`, before any lookup. */
export class UuidPipe implements PipeTransform<string, string> {
  constructor(private readonly code: string) {}

  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new ApiError(400, this.code, `expected a UUID, got ${JSON.stringify(String(value).slice(0, 60))}`);
    }
    return value.toLowerCase();
  }
}

/** Order ids in routes: `@Param('id', UuidParamPipe)`; other ids use `new UuidPipe('INVALID_<THING>_ID')`. */
@Injectable()
export class UuidParamPipe extends UuidPipe {
  constructor() {
    super('INVALID_ORDER_ID');
  }
}
