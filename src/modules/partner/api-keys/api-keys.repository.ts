import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

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

/** The only code that touches partner_api_keys. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(row: Omit<ApiKeyRow, 'createdAt' | 'revokedAt'>): Promise<ApiKeyRow> {
    const rows: ApiKeyRow[] = await this.dataSource.query(
      `INSERT INTO partner_api_keys (id, partner_id, name, prefix, key_hash, rps, burst) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [row.id, row.partnerId, row.name, row.prefix, row.keyHash, row.rps, row.burst],
    );
    return rows[0] as ApiKeyRow;
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    const rows: ApiKeyRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM partner_api_keys WHERE prefix = $1`, [prefix]);
    return rows[0];
  }

  /** The partner id already used for this partner name, so a second key joins the same partner. */
  async partnerIdOfName(name: string): Promise<string | undefined> {
    const rows: Array<{ partnerId: string }> = await this.dataSource.query('SELECT partner_id AS "partnerId" FROM partner_api_keys WHERE name = $1 ORDER BY created_at LIMIT 1', [
      name,
    ]);
    return rows[0]?.partnerId;
  }

  async list(): Promise<ApiKeyRow[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM partner_api_keys ORDER BY created_at, id`);
  }

  /** Marks the key revoked (once); undefined when there is no such key. */
  async revoke(id: string): Promise<ApiKeyRow | undefined> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [ApiKeyRow[], number] = await this.dataSource.query(`UPDATE partner_api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`, [
      id,
    ]);
    return rows[0];
  }
}
