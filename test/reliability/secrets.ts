import { OWNER_KEY, TOKEN_A, TOKEN_B } from '../owner-controls'
import { PLATFORM_HEADERS } from '../platform-headers'

/**
 * Every target in this suite runs as an owner leaves it on a public URL: behind access tokens,
 * holding the owner's upstream key. Whatever the suite throws at it, none of these may show.
 */
export const SECRET_ENV: Readonly<Record<string, string>> = {
  OXY_ACCESS_KEYS: `${TOKEN_A},${TOKEN_B}`,
  OXY_UPSTREAM_KEY: OWNER_KEY,
}

/** The header a legitimate client sends. */
export const AUTH: Readonly<Record<string, string>> = { Authorization: `Bearer ${TOKEN_A}` }
export const AUTH_LINE = `Authorization: Bearer ${TOKEN_A}\r\n`

/** The cloud credentials SCF and FC inject into requests; none may reach an upstream. */
export const CREDENTIAL_HEADERS: Readonly<Record<string, string>> = {
  'x-fc-access-key-id': PLATFORM_HEADERS.aliyunFc['x-fc-access-key-id'],
  'x-fc-access-key-secret': PLATFORM_HEADERS.aliyunFc['x-fc-access-key-secret'],
  'x-fc-security-token': PLATFORM_HEADERS.aliyunFc['x-fc-security-token'],
  'X-Scf-Secret-Id': PLATFORM_HEADERS.tencentScf['X-Scf-Secret-Id'],
  'X-Scf-Secret-Key': PLATFORM_HEADERS.tencentScf['X-Scf-Secret-Key'],
  'X-Scf-Session-Token': PLATFORM_HEADERS.tencentScf['X-Scf-Session-Token'],
}

/** What must never be shown to a client or written to a log. */
const SECRETS: readonly string[] = [OWNER_KEY, TOKEN_A, TOKEN_B]

/** The secrets `text` contains, by a recognisable prefix (never the secret itself in a report). */
export function findSecrets(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret)).map((secret) => `${secret.slice(0, 9)}…`)
}
