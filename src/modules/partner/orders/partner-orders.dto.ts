import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class CreatePartnerOrderDto {
  @ApiProperty({ example: 'GOLD_750', description: 'material code from the price list (GOLD_585, GOLD_750, SILVER_925, PLATINUM_950, ...)' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{1,39}$/, { message: 'material must be a material code such as GOLD_750' })
  material!: string;
}
