import { Module } from '@nestjs/common';
import { PricingModule } from '../pricing';
import { CatalogController } from './catalog/catalog.controller';
import { CatalogService } from './catalog/catalog.service';
import { MaterialsPolicy } from './materials.policy';
import { ModelUploadService } from './model-upload/model-upload.service';
import { ShopOrdersListController, ShopOrdersListRepository } from './orders-list/shop-orders-list.controller';
import { ShopOrdersController } from './shop-orders.controller';

@Module({
  imports: [PricingModule],
  controllers: [ShopOrdersListController, ShopOrdersController, CatalogController],
  providers: [CatalogService, MaterialsPolicy, ModelUploadService, ShopOrdersListRepository],
  exports: [CatalogService, MaterialsPolicy, ModelUploadService],
})
export class ShopModule {}
