/** What an API key proves: the partner it belongs to and the key's own rate limit. */
export interface ApiKeyCredential {
  keyId: string;
  partnerId: string;
  rps: number;
  burst: number;
}

/**
 * Port: checks a presented `X-Api-Key`. The partner module implements it
 * (keys live in its tables); the global AuthGuard only asks.
 */
export abstract class ApiKeyAuthenticator {
  /** The key's credential, or undefined for an unknown, revoked or wrong key. */
  abstract authenticate(presentedKey: string): Promise<ApiKeyCredential | undefined>;
}
