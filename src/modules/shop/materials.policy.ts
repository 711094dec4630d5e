import { Injectable } from '@nestjs/common';
import { PriceListService } from '../pricing';

/**
 * Which material codes a new order may name: the active entries of the
 * pricing module's price list (kept in PostgreSQL, edited by admins), so a
 * material an admin adds can be ordered at once and one withdrawn cannot.
 */
@Injectable()
export class MaterialsPolicy {
  constructor(private readonly priceList: PriceListService) {}

  /** 422 UNKNOWN_MATERIAL, listing the orderable codes, for anything else. */
  assertKnown(material: string): Promise<void> {
    return this.priceList.assertOrderable(material);
  }
}
