import { Body, Controller, Get, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsNumber, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Roles } from '../../../infrastructure/auth/roles.decorator';
import type { Principal } from '../../../infrastructure/auth/principal';
import { notFound, unprocessable } from '../../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { MATERIAL_CODE_PATTERN, materialPriceProblem } from './material-price';
import { MaterialsRepository, type StoredMaterialPrice } from './materials.repository';

export class MaterialPriceDto {
  @ApiProperty({ example: 'Gold 750 (18k)' }) @IsString() @MinLength(1) @MaxLength(100) name!: string;
  @ApiProperty({ example: 15.5, description: 'g/cm³' }) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.1) @Max(30) densityGramsPerCm3!: number;
  @ApiProperty({ example: 5800, description: 'minor units (cents) per gram' }) @IsInt() @Min(0) @Max(100_000_000) pricePerGramMinor!: number;
  @ApiProperty({ example: 'EUR' }) @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' }) currency!: string;
  @ApiProperty({ example: 150, description: 'finishing labour, minor units per cm² before complexity' }) @IsInt() @Min(0) @Max(100_000_000) labourPerCm2Minor!: number;
  @ApiProperty({ example: 2500, description: 'fixed labour per piece, minor units' }) @IsInt() @Min(0) @Max(100_000_000) setupFeeMinor!: number;
  @ApiProperty({ example: 12900, description: 'smallest total per piece, minor units' }) @IsInt() @Min(0) @Max(100_000_000) minimumPriceMinor!: number;
  @ApiProperty({ example: true, description: 'false: new orders cannot pick it' }) @IsBoolean() active!: boolean;
}

class MaterialPriceView extends MaterialPriceDto {
  @ApiProperty({ example: 'GOLD_750' }) code!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true }) updatedBy!: string | null;
}

/** The materials price list, edited by admins; pricing reads it for every calculation. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/admin/materials')
export class AdminMaterialsController {
  constructor(private readonly materials: MaterialsRepository) {}

  @Get()
  @ApiOperation({ summary: 'The materials price list' })
  @ApiResponse({ status: 200, type: [MaterialPriceView] })
  @ApiErrorResponses(401, 403)
  async list(): Promise<{ items: StoredMaterialPrice[] }> {
    return { items: await this.materials.list() };
  }

  @Get(':code')
  @ApiOperation({ summary: 'One material of the price list' })
  @ApiResponse({ status: 200, type: MaterialPriceView })
  @ApiErrorResponses(401, 403, 404)
  async get(@Param('code') code: string): Promise<StoredMaterialPrice> {
    const material = MATERIAL_CODE_PATTERN.test(code) ? await this.materials.find(code) : null;
    if (!material) throw notFound('MATERIAL_NOT_FOUND', `no material ${code} in the price list`);
    return material;
  }

  @Put(':code')
  @ApiOperation({ summary: 'Add or replace a material (200 replaced, 201 added); applies to calculations from now on' })
  @ApiResponse({ status: 200, type: MaterialPriceView })
  @ApiErrorResponses(400, 401, 403, 422)
  async put(
    @Param('code') code: string,
    @Body() body: MaterialPriceDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StoredMaterialPrice> {
    const entry = { code, ...body };
    const problem = materialPriceProblem(entry);
    if (problem) throw unprocessable('INVALID_MATERIAL_PRICE', problem, { code });
    const { material, created } = await this.materials.upsert(entry, principal.id);
    reply.status(created ? 201 : 200);
    return material;
  }
}
