export const STAFF_AND_CUSTOMER_ROLES = ['customer', 'seller', 'operator', 'support', 'admin'] as const;
export type UserRole = (typeof STAFF_AND_CUSTOMER_ROLES)[number];
export type Role = UserRole | 'partner';

/** Who is calling: an opaque id and roles, never a name or e-mail. */
export interface Principal {
  kind: 'user' | 'partner';
  /** JWT `sub`, or the partner id of an API key. */
  id: string;
  roles: Role[];
  /** Set for a partner API key: the key's id and its own rate limit. */
  apiKey?: { id: string; rps: number; burst: number };
}

export function isUserRole(value: unknown): value is UserRole {
  return typeof value === 'string' && (STAFF_AND_CUSTOMER_ROLES as readonly string[]).includes(value);
}
