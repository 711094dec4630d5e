/** The projections' public face: what modules and the composition root may import (the build checks it: `npm run lint:deps`). */
export { READ_MODEL_MIGRATIONS } from './read-models/migrations';
