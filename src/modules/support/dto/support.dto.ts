import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, Max, Min } from 'class-validator';

/** `?revision=N` or `?at=<ISO time>`: the point in the order's history to replay to. */
export class StateQueryDto {
  @ApiPropertyOptional({ description: 'replay up to and including this revision (0 = OrderInitiated)', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  revision?: number;

  @ApiPropertyOptional({ description: 'replay the events that occurred at or before this ISO-8601 time', example: '2026-11-23T10:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;
}

export class StuckQueryDto {
  @ApiPropertyOptional({ description: 'at most this many orders (default 100)', minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
