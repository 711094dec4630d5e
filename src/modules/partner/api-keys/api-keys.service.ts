import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppSettings } from '../../../config/app-settings';
import { type ApiKeyCredential, ApiKeyAuthenticator } from '../../../infrastructure/auth/api-key-authenticator';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from './api-key-secret';
import { type ApiKeyRow, ApiKeysRepository } from './api-keys.repository';

export interface NewApiKey {
  name: string;
  partnerId?: string;
  rps?: number;
  burst?: number;
}

/** An API key as admins see it: everything but the secret. */
export interface ApiKeySummary {
  id: string;
  partnerId: string;
  name: string;
  prefix: string;
  rps: number;
  burst: number;
  createdAt: string;
  revokedAt: string | null;
}

/** How long a looked-up key is trusted without asking the database again (revocation on another replica takes this long). */
const LOOKUP_CACHE_MS = 5_000;
const LOOKUP_CACHE_MAX = 10_000;

/**
 * Creates, lists, revokes and checks partner API keys. The key's secret is
 * returned once, at creation; only its hash is stored.
 */
@Injectable()
export class ApiKeysService extends ApiKeyAuthenticator {
  private readonly defaultRps: number;
  private readonly lookups = new Map<string, { row: ApiKeyRow | undefined; expiresAt: number }>();

  constructor(
    private readonly repository: ApiKeysRepository,
    settings: AppSettings,
  ) {
    super();
    this.defaultRps = settings.config.rateLimit.apiKeyDefaultRps;
  }

  async create(request: NewApiKey): Promise<ApiKeySummary & { key: string }> {
    const partnerId = request.partnerId ?? (await this.repository.partnerIdOfName(request.name)) ?? randomUUID();
    const rps = request.rps ?? this.defaultRps;
    const generated = generateApiKey();
    const row = await this.repository.insert({
      id: randomUUID(),
      partnerId,
      name: request.name,
      prefix: generated.prefix,
      keyHash: generated.hash,
      rps,
      // Default burst: one extra second's worth, so a client's short spikes are not refused.
      burst: request.burst ?? rps,
    });
    return { ...summarize(row), key: generated.key };
  }

  async list(): Promise<ApiKeySummary[]> {
    return (await this.repository.list()).map(summarize);
  }

  async revoke(id: string): Promise<ApiKeySummary | undefined> {
    const row = await this.repository.revoke(id);
    if (row) this.lookups.delete(row.prefix);
    return row && summarize(row);
  }

  override async authenticate(presentedKey: string): Promise<ApiKeyCredential | undefined> {
    const prefix = apiKeyPrefix(presentedKey);
    if (!prefix) return undefined;
    const row = await this.lookup(prefix);
    if (!row || row.revokedAt !== null || !apiKeyMatches(presentedKey, row.keyHash)) return undefined;
    return { keyId: row.id, partnerId: row.partnerId, rps: row.rps, burst: row.burst };
  }

  private async lookup(prefix: string): Promise<ApiKeyRow | undefined> {
    const now = Date.now();
    const cached = this.lookups.get(prefix);
    if (cached && cached.expiresAt > now) return cached.row;
    const row = await this.repository.findByPrefix(prefix);
    if (this.lookups.size >= LOOKUP_CACHE_MAX) this.lookups.clear();
    this.lookups.set(prefix, { row, expiresAt: now + LOOKUP_CACHE_MS });
    return row;
  }
}

function summarize(row: ApiKeyRow): ApiKeySummary {
  return {
    id: row.id,
    partnerId: row.partnerId,
    name: row.name,
    prefix: row.prefix,
    rps: row.rps,
    burst: row.burst,
    createdAt: new Date(row.createdAt).toISOString(),
    revokedAt: row.revokedAt ? new Date(row.revokedAt).toISOString() : null,
  };
}
