/** Pricing's public face: what other modules and the composition root may import (the build checks it: `npm run lint:deps`). */
export { PRICING_MIGRATIONS } from './migrations';
export { PricingModule } from './pricing.module';
export { PricingJobInspector, type PricingJobSnapshot } from './jobs/pricing-job-inspector.port';
