import { Injectable } from '@nestjs/common';
import { Database } from '../../../infrastructure/database/database';
import type { MaterialPrice } from './material-price';

const COLUMNS = `code, name, density_g_cm3::float8 AS density, price_per_gram_minor::float8 AS price_per_gram,
  currency, labour_per_cm2_minor::float8 AS labour_per_cm2, setup_fee_minor::float8 AS setup_fee,
  minimum_price_minor::float8 AS minimum_price, active, updated_at, updated_by`;

interface MaterialRow {
  code: string;
  name: string;
  density: number;
  price_per_gram: number;
  currency: string;
  labour_per_cm2: number;
  setup_fee: number;
  minimum_price: number;
  active: boolean;
  updated_at: Date;
  updated_by: string | null;
}

export type StoredMaterialPrice = MaterialPrice & { updatedAt: string; updatedBy: string | null };

const LIST_MATERIALS = { name: 'pricing_list_materials', text: `SELECT ${COLUMNS} FROM pricing_materials ORDER BY code` };
const FIND_MATERIAL = { name: 'pricing_find_material', text: `SELECT ${COLUMNS} FROM pricing_materials WHERE code = $1` };
const UPSERT_MATERIAL = {
  name: 'pricing_upsert_material',
  text: `INSERT INTO pricing_materials AS m
           (code, name, density_g_cm3, price_per_gram_minor, currency, labour_per_cm2_minor, setup_fee_minor, minimum_price_minor, active, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (code) DO UPDATE SET
           name = EXCLUDED.name, density_g_cm3 = EXCLUDED.density_g_cm3, price_per_gram_minor = EXCLUDED.price_per_gram_minor,
           currency = EXCLUDED.currency, labour_per_cm2_minor = EXCLUDED.labour_per_cm2_minor, setup_fee_minor = EXCLUDED.setup_fee_minor,
           minimum_price_minor = EXCLUDED.minimum_price_minor, active = EXCLUDED.active, updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING ${COLUMNS}, (xmax = 0) AS created`,
};

/** The only code that touches pricing_materials. */
@Injectable()
export class MaterialsRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<StoredMaterialPrice[]> {
    const rows = await this.db.query<MaterialRow>(LIST_MATERIALS);
    return rows.map(toMaterial);
  }

  async find(code: string): Promise<StoredMaterialPrice | null> {
    const rows = await this.db.query<MaterialRow>(FIND_MATERIAL, [code]);
    return rows[0] ? toMaterial(rows[0]) : null;
  }

  /** Insert or replace one entry; answers the stored row and whether it was new. */
  async upsert(price: MaterialPrice, updatedBy: string): Promise<{ material: StoredMaterialPrice; created: boolean }> {
    const rows = await this.db.query<MaterialRow & { created: boolean }>(UPSERT_MATERIAL, [
      price.code,
      price.name,
      price.densityGramsPerCm3,
      price.pricePerGramMinor,
      price.currency,
      price.labourPerCm2Minor,
      price.setupFeeMinor,
      price.minimumPriceMinor,
      price.active,
      updatedBy,
    ]);
    const row = rows[0]!;
    return { material: toMaterial(row), created: row.created };
  }
}

function toMaterial(row: MaterialRow): StoredMaterialPrice {
  return {
    code: row.code,
    name: row.name,
    densityGramsPerCm3: Number(row.density),
    pricePerGramMinor: Number(row.price_per_gram),
    currency: row.currency,
    labourPerCm2Minor: Number(row.labour_per_cm2),
    setupFeeMinor: Number(row.setup_fee),
    minimumPriceMinor: Number(row.minimum_price),
    active: row.active,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  };
}
