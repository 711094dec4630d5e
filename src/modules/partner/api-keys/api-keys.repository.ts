import { Injectable } from '@nestjs/common';
import { Database } from '../../../infrastructure/database/database';

export interface ApiKeyRow {
  id: string;
  partnerId: string;
  name: string;
  prefix: string;
  keyHash: Buffer;
  rps: number;
  burst: number;
  createdAt: Date;
  revokedAt: Date | null;
}

const COLUMNS = `id, partner_id AS "partnerId", name, prefix, key_hash AS "keyHash", rps, burst, created_at AS "createdAt", revoked_at AS "revokedAt"`;

const INSERT_API_KEY = {
  name: 'partner_insert_api_key',
  text: `INSERT INTO partner_api_keys (id, partner_id, name, prefix, key_hash, rps, burst) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
};
/** Every partner request's key lookup (by the unique prefix). */
export const FIND_API_KEY_BY_PREFIX = { name: 'partner_find_api_key_by_prefix', text: `SELECT ${COLUMNS} FROM partner_api_keys WHERE prefix = $1` };
const PARTNER_ID_OF_NAME = {
  name: 'partner_id_of_name',
  text: 'SELECT partner_id AS "partnerId" FROM partner_api_keys WHERE name = $1 ORDER BY created_at LIMIT 1',
};
const LIST_API_KEYS = { name: 'partner_list_api_keys', text: `SELECT ${COLUMNS} FROM partner_api_keys ORDER BY created_at, id` };
const REVOKE_API_KEY = {
  name: 'partner_revoke_api_key',
  text: `UPDATE partner_api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
};

/** The only code that touches partner_api_keys. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: Database) {}

  async insert(row: Omit<ApiKeyRow, 'createdAt' | 'revokedAt'>): Promise<ApiKeyRow> {
    const rows = await this.db.query<ApiKeyRow>(INSERT_API_KEY, [row.id, row.partnerId, row.name, row.prefix, row.keyHash, row.rps, row.burst]);
    return rows[0] as ApiKeyRow;
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    const rows = await this.db.query<ApiKeyRow>(FIND_API_KEY_BY_PREFIX, [prefix]);
    return rows[0];
  }

  /** The partner id already used for this partner name, so a second key joins the same partner. */
  async partnerIdOfName(name: string): Promise<string | undefined> {
    const rows = await this.db.query<{ partnerId: string }>(PARTNER_ID_OF_NAME, [name]);
    return rows[0]?.partnerId;
  }

  async list(): Promise<ApiKeyRow[]> {
    return this.db.query<ApiKeyRow>(LIST_API_KEYS);
  }

  /** Marks the key revoked (once); undefined when there is no such key. */
  async revoke(id: string): Promise<ApiKeyRow | undefined> {
    const rows = await this.db.query<ApiKeyRow>(REVOKE_API_KEY, [id]);
    return rows[0];
  }
}
