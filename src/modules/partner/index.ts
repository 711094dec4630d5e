/** The partner module's public face: what other modules and the composition root may import (the build checks it: `npm run lint:deps`). */
export { PARTNER_MIGRATIONS } from './api-keys/migrations';
