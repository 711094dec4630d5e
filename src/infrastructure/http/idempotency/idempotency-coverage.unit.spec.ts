import { All, Controller, Get, Post, Put, UseInterceptors } from '@nestjs/common';
import { postRoutesWithoutIdempotency } from './idempotency-coverage';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { Idempotent } from './idempotent.decorator';

@Controller('api/things')
class CoveredController {
  @Post()
  @Idempotent()
  create(): void {}

  @Get()
  list(): void {}

  @Put(':id')
  replace(): void {}
}

@Controller('api/other')
class ForgetfulController {
  @Post(':id/approve')
  approve(): void {}

  @Post(':id/close')
  @Idempotent()
  close(): void {}
}

class BaseWithPost {
  @Post('inherited')
  inherited(): void {}
}

@Controller('api/child')
class ChildController extends BaseWithPost {
  @Get()
  list(): void {}
}

@Controller('api/any')
class CatchAllController {
  @All('hook')
  anything(): void {}
}

@Controller('api/whole')
@UseInterceptors(IdempotencyInterceptor)
class WholeClassController {
  @Post()
  create(): void {}
}

describe('postRoutesWithoutIdempotency', () => {
  it('names each POST route without @Idempotent(), and only those', () => {
    expect(postRoutesWithoutIdempotency([CoveredController, ForgetfulController])).toEqual(['ForgetfulController.approve (POST api/other/:id/approve)']);
  });

  it('finds nothing missing when every POST has it', () => {
    expect(postRoutesWithoutIdempotency([CoveredController])).toEqual([]);
  });

  it('sees POST routes a controller inherits, and @All routes (they take POSTs too)', () => {
    expect(postRoutesWithoutIdempotency([ChildController, CatchAllController])).toEqual([
      'ChildController.inherited (POST api/child/inherited)',
      'CatchAllController.anything (ALL api/any/hook)',
    ]);
  });

  it('accepts the interceptor on the whole class', () => {
    expect(postRoutesWithoutIdempotency([WholeClassController])).toEqual([]);
  });
});
