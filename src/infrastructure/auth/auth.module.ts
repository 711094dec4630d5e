import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitModule } from '../http/rate-limit/rate-limit.module';
import { AuthGuard } from './auth.guard';
import { JwtService } from './jwt.service';

@Global()
@Module({
  imports: [RateLimitModule],
  providers: [JwtService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [JwtService],
})
export class AuthModule {}
