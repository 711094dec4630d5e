import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class CreateOrderDto {
  @ApiProperty({ example: 'GOLD_750', description: 'material code from the price list (GOLD_585, GOLD_750, SILVER_925, PLATINUM_950, ...)' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{1,39}$/, { message: 'material must be a material code such as GOLD_750' })
  material!: string;
}

export class ChooseCatalogItemDto {
  @ApiProperty({ example: 'ring-classic-54' })
  @IsString()
  @Matches(/^[a-z0-9-]{1,60}$/, { message: 'catalogItemId must be a catalogue item id such as ring-classic-54' })
  catalogItemId!: string;
}

export class CancelOrderDto {
  @ApiPropertyOptional({ example: 'changed my mind', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason?: string;
}
