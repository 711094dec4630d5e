import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

export class SellerCancelDto {
  @ApiPropertyOptional({ example: 'model cannot be cast', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason?: string;
}

export class CarrierDeliveredDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  orderId!: string;

  @ApiPropertyOptional({ example: 'TRK-000123' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{3,40}$/)
  trackingNumber?: string;

  @ApiProperty({ example: '2026-11-23T10:15:00Z' })
  @IsISO8601({ strict: true })
  deliveredAt!: string;
}
