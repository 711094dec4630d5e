import { apiKeySecretPart } from './support/partner-keys';
import { AppSettings } from '../src/config/app-settings';
import { loadConfig } from '../src/config/config';
import { Database } from '../src/infrastructure/database/database';
import { createDataSource, migrateDatabase } from '../src/infrastructure/database/data-source';
import { ALL_MIGRATIONS } from '../src/migrations';
import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey } from '../src/modules/partner/api-keys/api-key-secret';
import { ApiKeysRepository } from '../src/modules/partner/api-keys/api-keys.repository';
import { ApiKeysService } from '../src/modules/partner/api-keys/api-keys.service';
import { createTestDatabase, type TestDatabase } from './support/test-database';

describe('partner API keys in PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: ReturnType<typeof createDataSource>;
  let service: ApiKeysService;

  beforeAll(async () => {
    database = await createTestDatabase('api_keys');
    await migrateDatabase(database.url, ALL_MIGRATIONS);
    dataSource = createDataSource({ url: database.url, poolSize: 2 });
    await dataSource.initialize();
    const config = loadConfig({ NODE_ENV: 'test', API_KEY_DEFAULT_RPS: '25' });
    service = new ApiKeysService(new ApiKeysRepository(Database.onPrimary(dataSource)), new AppSettings(config, database.url, '', ''));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('generates distinct high-entropy keys whose prefix finds them and whose hash alone is kept', () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    expect(new Set(keys.map((key) => key.key)).size).toBe(200);
    expect(new Set(keys.map((key) => key.prefix)).size).toBe(200);
    const [first] = keys;
    expect(apiKeyPrefix(first!.key)).toBe(first!.prefix);
    expect(apiKeyMatches(first!.key, first!.hash)).toBe(true);
    expect(apiKeyMatches(`${first!.key.slice(0, -1)}A`, first!.hash)).toBe(first!.key.endsWith('A'));
    expect(hashApiKey(first!.key)).toHaveLength(32);
    for (const malformed of ['', 'alx_', `alx_${first!.prefix}`, `ALX_${first!.prefix}_x`, `${first!.key}extra`, `alx_${first!.prefix}_${'a'.repeat(42)}`]) {
      expect(apiKeyPrefix(malformed)).toBeUndefined();
    }
  });

  it('creates with the default limit, authenticates, and stops authenticating once revoked', async () => {
    const created = await service.create({ name: 'int-partner' });
    expect(created).toMatchObject({ rps: 25, burst: 25, revokedAt: null });
    const rows: Array<{ key_hash: Buffer; prefix: string }> = await dataSource.query('SELECT key_hash, prefix FROM partner_api_keys WHERE id = $1', [created.id]);
    expect(rows[0]?.key_hash.equals(hashApiKey(created.key))).toBe(true);
    expect(JSON.stringify(await dataSource.query('SELECT * FROM partner_api_keys'))).not.toContain(apiKeySecretPart(created.key));

    expect(await service.authenticate(created.key)).toEqual({ keyId: created.id, partnerId: created.partnerId, rps: 25, burst: 25 });
    expect(await service.authenticate(`alx_${created.prefix}_${'Z'.repeat(43)}`)).toBeUndefined();
    expect(await service.authenticate('alx_000000000000_' + 'Z'.repeat(43))).toBeUndefined();

    const revoked = await service.revoke(created.id);
    expect(revoked?.revokedAt).toEqual(expect.any(String));
    expect(await service.authenticate(created.key)).toBeUndefined();
    // Revoking again keeps the first revocation time.
    expect((await service.revoke(created.id))?.revokedAt).toBe(revoked?.revokedAt);
    expect(await service.revoke('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('keeps keys of one partner name under one partner id, and lists them without secrets', async () => {
    const first = await service.create({ name: 'two-keys', rps: 5, burst: 0 });
    const second = await service.create({ name: 'two-keys' });
    const other = await service.create({ name: 'someone-else' });
    expect(second.partnerId).toBe(first.partnerId);
    expect(other.partnerId).not.toBe(first.partnerId);
    const listed = await service.list();
    expect(listed.map((key) => key.id)).toEqual(expect.arrayContaining([first.id, second.id, other.id]));
    expect(JSON.stringify(listed)).not.toContain(first.key);
    expect(listed.find((key) => key.id === first.id)).toMatchObject({ rps: 5, burst: 0 });
  });
});
