import { Injectable } from '@nestjs/common';
import { ApiError } from '../../../infrastructure/http/api-error';
import type { MaterialPrice } from './material-price';
import { MaterialsRepository } from './materials.repository';

/**
 * The price list as other modules see it (exported service): which materials
 * an order may name, and the price entry pricing uses. Read from PostgreSQL
 * each time: it is a handful of rows, and an admin's change applies at once.
 */
@Injectable()
export class PriceListService {
  constructor(private readonly materials: MaterialsRepository) {}

  /** Active material codes, sorted. */
  async orderableCodes(): Promise<string[]> {
    return (await this.materials.list()).filter((material) => material.active).map((material) => material.code);
  }

  /** 422 UNKNOWN_MATERIAL unless the price list offers this material for new orders. */
  async assertOrderable(code: string): Promise<void> {
    const material = await this.materials.find(code);
    if (material?.active) return;
    const known = await this.orderableCodes();
    throw new ApiError(422, 'UNKNOWN_MATERIAL', `unknown material ${code}; known: ${known.join(', ')}`, { known });
  }

  /** The entry used to price an order (inactive entries still price orders placed before). */
  async priceOf(code: string): Promise<MaterialPrice | null> {
    return this.materials.find(code);
  }
}
