import { constantTimeEqual } from './constant-time'
import { presentedToken, tokenHeaderName } from './credentials'
import { ConfigError } from './errors'
import type { HeaderList } from './header-list'
import { splitSecretList } from './key-list'

/** Shorter tokens are guessable by brute force over the network. */
export const MIN_ACCESS_KEY_LENGTH = 16
/** Names go into every log line and `oxy usage` tables: short, one line, no separators. */
const MAX_NAME_LENGTH = 64
/** `*` is the rules entry for every key without its own (OXY_KEY_RULES). */
export const ANY_KEY = '*'

/** An access token with the name logs and rules know it by; the token itself is never logged. */
export interface AccessKey {
  readonly name: string
  readonly token: string
}

/**
 * OXY_ACCESS_KEYS: comma-separated `name:token` or plain `token` entries. A plain token is named
 * after its position (`key-1`, `key-2`, ...), so its name says nothing about the token. The
 * first `:` separates name from token, so a token that itself holds a `:` needs a name.
 */
export function parseAccessKeys(variable: string, value: string | undefined): readonly AccessKey[] {
  const entries = splitSecretList(variable, value)
  const keys = entries.map((entry, index) => parseEntry(variable, entry, index))
  keys.forEach((key, index) => {
    const sameName = keys.findIndex((other) => other.name === key.name)
    if (sameName !== index) {
      throw new ConfigError(
        variable,
        '',
        `entries ${sameName + 1} and ${index + 1} are both named "${key.name}"; names must be unique` +
          (/^key-\d+$/.test(key.name) ? ' (key-<n> is the name a plain token at position n gets)' : ''),
      )
    }
    const sameToken = keys.findIndex((other) => other.token === key.token)
    if (sameToken !== index) {
      throw new ConfigError(variable, '', `entries ${sameToken + 1} and ${index + 1} hold the same token`)
    }
  })
  return keys
}

function parseEntry(variable: string, entry: string, index: number): AccessKey {
  const colon = entry.indexOf(':')
  const name = colon === -1 ? `key-${index + 1}` : entry.slice(0, colon).trim()
  const token = colon === -1 ? entry : entry.slice(colon + 1).trim()
  const where = `entry ${index + 1}`
  if (colon !== -1) {
    const problem = nameProblem(name)
    // The name is not shown: when the problem is a missing name, the "name" may be part of a token.
    if (problem) throw new ConfigError(variable, '', `${where}: the name before ':' ${problem}`)
  }
  if (token.length < MIN_ACCESS_KEY_LENGTH || /\s/.test(token)) {
    throw new ConfigError(
      variable,
      token,
      `${where}: each token needs at least ${MIN_ACCESS_KEY_LENGTH} characters and no spaces`,
      { secret: true },
    )
  }
  return { name, token }
}

/** Why a key name cannot be used, or undefined when it can. Shared with OXY_KEY_RULES. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'is empty'
  if (name === ANY_KEY) return 'may not be "*", which OXY_KEY_RULES uses for every other key'
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`
  if (/[,:]/.test(name)) return 'may not contain a comma or a colon'
  if (/[\s"\\]/.test(name) || hasControlCharacter(name)) {
    return 'may not contain spaces, quotes, backslashes or control characters'
  }
  return undefined
}

/** Which access key a request carries, and the headers that carried it (removed before forwarding). */
export interface PresentedKey {
  readonly key: AccessKey
  readonly headers: ReadonlySet<string>
}

/**
 * Finds the access key among the request's credential headers. Every candidate is compared with
 * every token in constant time and the loop never stops early, so neither a match nor its position
 * shows in the time taken.
 */
export function identifyAccessKey(headers: HeaderList, keys: readonly AccessKey[]): PresentedKey | undefined {
  let found: AccessKey | undefined
  const matched = new Set<string>()
  for (const [name, value] of headers) {
    const lower = tokenHeaderName(name)
    if (lower === undefined) continue
    const token = presentedToken(lower, value)
    for (const key of keys) {
      if (constantTimeEqual(token, key.token)) {
        found ??= key
        matched.add(lower)
      }
    }
  }
  return found ? { key: found, headers: matched } : undefined
}

/**
 * Unicode's control characters (Cc: U+0000-U+001F, U+007F-U+009F), by code rather than /\p{Cc}/u:
 * V8 checks a regex literal when it parses the bundle, and looking \p{Cc} up in ICU cost every
 * cold start ~1.4 M instructions (~0.7 %, callgrind), keys or no keys.
 */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true
  }
  return false
}
