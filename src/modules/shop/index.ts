/** The shop's public face: what other modules and the composition root may import (the build checks it: `npm run lint:deps`). */
export { ShopModule } from './shop.module';
// The partner API takes orders through the same use cases as the web shop, for the partner channel.
export { ChannelOrdersService } from './channel-orders.service';
