import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Partner API keys look like `alx_<prefix>_<secret>`: the prefix (12 hex
 * characters) is not secret and finds the key's row; the secret is 32 random
 * bytes. Only the SHA-256 of the whole key is stored: a key has 256 bits of
 * entropy, so a fast hash is enough (no password stretching needed).
 */
const KEY_PATTERN = /^alx_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: Buffer;
}

export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(6).toString('hex');
  const key = `alx_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The lookup prefix of a well-formed key, or undefined for anything else. */
export function apiKeyPrefix(presented: string): string | undefined {
  return KEY_PATTERN.exec(presented)?.[1];
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Constant-time comparison of the presented key's hash with the stored one. */
export function apiKeyMatches(presented: string, storedHash: Buffer): boolean {
  const hash = hashApiKey(presented);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}
