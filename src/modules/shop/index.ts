/** The shop's public face: what other modules and the composition root may import (the build checks it: `npm run lint:deps`). */
export { ShopModule } from './shop.module';
// The partner API takes orders through the same material check and model upload as the web shop.
export { MaterialsPolicy } from './materials.policy';
export { ModelUploadService } from './model-upload/model-upload.service';
