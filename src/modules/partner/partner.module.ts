import { Global, Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../../infrastructure/auth/api-key-authenticator';
import { ShopModule } from '../shop';
import { AdminApiKeysController } from './api-keys/admin-api-keys.controller';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { PartnerOrdersController } from './orders/partner-orders.controller';
import { PartnerOrdersListController, PartnerOrdersListRepository } from './orders/partner-orders-list.controller';

/**
 * Partners: their API keys (admin API, CLI) and their order API. Global so
 * the app-wide AuthGuard can check X-Api-Key through the ApiKeyAuthenticator port.
 */
@Global()
@Module({
  imports: [ShopModule],
  controllers: [AdminApiKeysController, PartnerOrdersListController, PartnerOrdersController],
  providers: [ApiKeysRepository, ApiKeysService, PartnerOrdersListRepository, { provide: ApiKeyAuthenticator, useExisting: ApiKeysService }],
  exports: [ApiKeyAuthenticator, ApiKeysService],
})
export class PartnerModule {}
