import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { Roles } from '../../../infrastructure/auth/roles.decorator';
import { notFound } from '../../../infrastructure/http/api-error';
import { ApiErrorResponses } from '../../../infrastructure/http/api-error.swagger';
import { Idempotent } from '../../../infrastructure/http/idempotency/idempotent.decorator';
import { UuidPipe } from '../../../infrastructure/http/uuid-param.pipe';
import { type ApiKeySummary, ApiKeysService } from './api-keys.service';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'acme-jewels', description: "the partner's name (a business name, shown to admins only)" })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/, { message: 'name must be 1-80 letters, digits, spaces, dots, dashes or underscores' })
  name!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'add the key to this existing partner; default: the partner of that name, or a new one' })
  @IsOptional()
  @IsUUID()
  partnerId?: string;

  @ApiPropertyOptional({ example: 20, description: 'sustained requests per second (default API_KEY_DEFAULT_RPS)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rps?: number;

  @ApiPropertyOptional({ example: 20, description: 'extra requests allowed in a short spike (default: rps)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  burst?: number;
}

export class ApiKeySummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) partnerId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'non-secret part of the key, to recognise it' }) prefix!: string;
  @ApiProperty() rps!: number;
  @ApiProperty() burst!: number;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) revokedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeySummaryDto {
  @ApiProperty({ description: 'the key itself: shown this once, send it as X-Api-Key' }) key!: string;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/admin/api-keys')
export class AdminApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a partner API key (the key is in this answer only)' })
  @ApiResponse({ status: 201, type: CreatedApiKeyDto })
  @ApiErrorResponses(400, 401, 403)
  create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'All partner API keys, without their secrets' })
  @ApiResponse({ status: 200, type: [ApiKeySummaryDto] })
  @ApiErrorResponses(401, 403)
  async list(): Promise<{ items: ApiKeySummary[] }> {
    return { items: await this.keys.list() };
  }

  @Post(':id/revoke')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key: it stops working at once on this replica, within 5 s on the others' })
  @ApiResponse({ status: 200, type: ApiKeySummaryDto })
  @ApiErrorResponses(400, 401, 403, 404)
  async revoke(@Param('id', new UuidPipe('INVALID_API_KEY_ID')) id: string): Promise<ApiKeySummary> {
    const revoked = await this.keys.revoke(id);
    if (!revoked) throw notFound('API_KEY_NOT_FOUND', 'no such API key');
    return revoked;
  }
}
