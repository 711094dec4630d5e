/** Pricing's public face: what other modules and the composition root may import (the build checks it: `npm run lint:deps`). */
export { PRICING_MIGRATIONS } from './migrations';
export { PricingModule } from './pricing.module';
export { PricingJobInspector, type PricingJobSnapshot } from './jobs/pricing-job-inspector.port';
export { PriceListService } from './price-rules/price-list.service';
// 3D models: pricing owns their parsing and validation; the shop's uploads and catalogue use them too.
export { declaredLength, MODEL_CONTENT_TYPES, modelStreamOf } from './model-intake/model-request';
export { ModelSniffer } from './model-intake/model-sniffer';
export { analyzeTriangleSoup } from './geometry/analyze';
export { earringStud, pendant, ring } from './geometry/generators';
export { toBinaryStl } from './geometry/stl-writer';
