import { Controller, Get, Post, Put } from '@nestjs/common';
import { postRoutesWithoutIdempotency } from './idempotency-coverage';
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

describe('postRoutesWithoutIdempotency', () => {
  it('names each POST route without @Idempotent(), and only those', () => {
    expect(postRoutesWithoutIdempotency([CoveredController, ForgetfulController])).toEqual(['ForgetfulController.approve (POST api/other/:id/approve)']);
  });

  it('finds nothing missing when every POST has it', () => {
    expect(postRoutesWithoutIdempotency([CoveredController])).toEqual([]);
  });
});
