import { Module } from '@nestjs/common';
import { CatalogController } from './catalog/catalog.controller';
import { CatalogService } from './catalog/catalog.service';
import { MaterialsPolicy } from './materials.policy';
import { ModelUploadService } from './model-upload/model-upload.service';
import { ShopOrdersController } from './shop-orders.controller';

@Module({
  controllers: [ShopOrdersController, CatalogController],
  providers: [CatalogService, MaterialsPolicy, ModelUploadService],
  exports: [CatalogService, MaterialsPolicy, ModelUploadService],
})
export class ShopModule {}
