import type { TestApp } from './test-app';

export interface CreatedKey {
  id: string;
  partnerId: string;
  prefix: string;
  key: string;
  rps: number;
  burst: number;
}

/** Creates a partner API key through the admin API. */
export async function createPartnerKey(app: TestApp, name: string, limits: { rps?: number; burst?: number; partnerId?: string } = {}): Promise<CreatedKey> {
  const admin = await app.token('admin', 'admin-1');
  const response = await app.request('/api/admin/api-keys', { method: 'POST', token: admin, json: { name, ...limits } });
  if (response.status !== 201) throw new Error(`creating a key failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as CreatedKey;
}

/** The secret part of `alx_<12 hex prefix>_<secret>`; the base64url secret may itself contain '_'. */
export function apiKeySecretPart(key: string): string {
  return key.slice('alx_'.length + 12 + 1);
}
