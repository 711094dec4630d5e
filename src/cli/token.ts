import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config';
import { resolveSecrets } from '../config/dev-secrets';
import { JwtService } from '../infrastructure/auth/jwt.service';
import { isUserRole, STAFF_AND_CUSTOMER_ROLES, type UserRole } from '../infrastructure/auth/principal';

const USAGE = `usage: npm run token -- --role <${STAFF_AND_CUSTOMER_ROLES.join('|')}>[,<role>...] [--sub <opaque id>] [--ttl <hours>]
Prints a development bearer token signed with this checkout's JWT secret as its last line.
--ttl is at most AUTH_TOKEN_MAX_LIFETIME_S (default 24 h); the token names AUTH_JWT_AUDIENCE when it is set.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '12' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const roles = (values.role ?? []).flatMap((value) => value.split(',')).map((value) => value.trim());
  const unknown = roles.filter((role) => !isUserRole(role));
  const ttlHours = Number(values.ttl);
  if (roles.length === 0 || unknown.length > 0 || !Number.isFinite(ttlHours) || ttlHours <= 0) {
    console.error(unknown.length > 0 ? `unknown role: ${unknown.join(', ')}\n${USAGE}` : USAGE);
    process.exit(2);
  }
  const subject = values.sub ?? `${roles[0]}-1`;
  const config = loadConfig(process.env);
  // The app refuses a token that lives longer than this: never print one it would refuse.
  const { tokenMaxLifetimeSeconds, audience } = config.auth;
  const ttlSeconds = Math.round(ttlHours * 3600);
  if (ttlSeconds > tokenMaxLifetimeSeconds) {
    console.error(`--ttl ${ttlHours} h is longer than the app accepts: at most ${tokenMaxLifetimeSeconds / 3600} h (AUTH_TOKEN_MAX_LIFETIME_S=${tokenMaxLifetimeSeconds})`);
    process.exit(2);
  }
  const secrets = resolveSecrets(config);
  const token = await JwtService.sign(secrets.jwtSecret, subject, roles as UserRole[], ttlSeconds, { audience });
  console.error(`token for sub=${subject} roles=${roles.join(',')} valid ${ttlHours} h; use it as: Authorization: Bearer <token>`);
  console.log(token);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
