import { Module, type OnModuleInit } from '@nestjs/common';
import { registerErrorTranslator } from '../../infrastructure/http/error-mapping';
import { PricingModule } from '../pricing';
import { CatalogController } from './catalog/catalog.controller';
import { CatalogService } from './catalog/catalog.service';
import { ChannelOrdersService } from './channel-orders.service';
import { MaterialsPolicy } from './materials.policy';
import { translateModelUploadErrors } from './model-upload/model-upload.errors';
import { ModelUploadService } from './model-upload/model-upload.service';
import { ShopOrdersListController, ShopOrdersListRepository } from './orders-list/shop-orders-list.controller';
import { ShopOrdersController } from './shop-orders.controller';

@Module({
  imports: [PricingModule],
  controllers: [ShopOrdersListController, ShopOrdersController, CatalogController],
  providers: [CatalogService, MaterialsPolicy, ModelUploadService, ChannelOrdersService, ShopOrdersListRepository],
  exports: [ChannelOrdersService],
})
export class ShopModule implements OnModuleInit {
  onModuleInit(): void {
    registerErrorTranslator(translateModelUploadErrors);
  }
}
