import { Injectable } from '@nestjs/common';
import { ApiError } from '../../infrastructure/http/api-error';
import { MATERIALS } from '../../shared/order-lifecycle';

/**
 * Which material codes an order may name. The binding codes for now; the
 * pricing module's price list (kept in PostgreSQL) takes over this answer.
 */
@Injectable()
export class MaterialsPolicy {
  assertKnown(material: string): void {
    if (!(MATERIALS as readonly string[]).includes(material)) {
      throw new ApiError(422, 'UNKNOWN_MATERIAL', `unknown material ${material}; known: ${MATERIALS.join(', ')}`, { known: [...MATERIALS] });
    }
  }
}
