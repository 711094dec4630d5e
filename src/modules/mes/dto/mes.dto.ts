import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class ShipOrderDto {
  @ApiProperty({ example: 'TRK-000123', description: '3-40 letters, digits or dashes' })
  @IsString()
  @Matches(/^[A-Za-z0-9-]{3,40}$/, { message: 'trackingNumber must be 3-40 letters, digits or dashes' })
  trackingNumber!: string;
}
