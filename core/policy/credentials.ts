import { constantTimeEqual } from './constant-time'
import type { HeaderList, HeaderPair } from './header-list'
import { isHeaderName } from './header-list'

/** How an upstream expects its API key. */
export type CredentialStyle = 'bearer' | 'api-key' | 'x-api-key' | 'x-goog-api-key'

/** Every header a client may carry a key in; all are replaced when the proxy holds the key. */
export const CREDENTIAL_HEADERS: readonly Lowercase<string>[] = [
  'authorization',
  'api-key',
  'x-api-key',
  'x-goog-api-key',
]

/**
 * The credential header an upstream reads, from its host: Azure OpenAI wants `api-key`,
 * Anthropic `x-api-key`, Gemini `x-goog-api-key`, everything OpenAI-compatible a bearer token.
 */
export function credentialStyleFor(hostname: string): CredentialStyle {
  const host = hostname.toLowerCase()
  if (host.endsWith('.openai.azure.com') || host.endsWith('.cognitiveservices.azure.com')) return 'api-key'
  if (host === 'api.anthropic.com' || host.endsWith('.anthropic.com')) return 'x-api-key'
  if (host === 'generativelanguage.googleapis.com') return 'x-goog-api-key'
  return 'bearer'
}

/** Headers that carry the key of an API call, as SDKs send keys; also where access tokens go. */
export const TOKEN_HEADERS: readonly Lowercase<string>[] = ['authorization', 'api-key', 'x-api-key']

/**
 * Finds header names among `names`: the lower-case name, or undefined. Every request's every
 * header is asked, and almost none is one: its length rules it out before it is lower-cased.
 */
function headerNamesFinder(
  names: readonly Lowercase<string>[],
): (name: string) => Lowercase<string> | undefined {
  const lengths = new Set(names.map((name) => name.length))
  return (name) => {
    if (!lengths.has(name.length)) return undefined
    const lower = name.toLowerCase() as Lowercase<string>
    return names.includes(lower) ? lower : undefined
  }
}

/** The lower-case name of a header that carries a token, or undefined. */
export const tokenHeaderName = headerNamesFinder(TOKEN_HEADERS)

/** The token a credential header carries: what follows `Bearer ` in Authorization, else the value. */
export function presentedToken(lowerName: string, value: string): string {
  return lowerName === 'authorization' ? value.replace(/^Bearer\s+/i, '') : value.trim()
}

/**
 * Finds a valid access token among the request's credential headers. Every candidate is
 * compared with every key, in constant time, so neither the match nor its position leaks.
 * Returns the lower-case names of the headers that carried a valid token (to be removed, so
 * the upstream never sees one), or undefined when none did.
 */
export function findAccessToken(headers: HeaderList, accessKeys: readonly string[]): Set<string> | undefined {
  const matched = new Set<string>()
  for (const [name, value] of headers) {
    const lower = tokenHeaderName(name)
    if (lower === undefined) continue
    const token = presentedToken(lower, value)
    let valid = false
    for (const key of accessKeys) valid = constantTimeEqual(token, key) || valid
    if (valid) matched.add(lower)
  }
  return matched.size > 0 ? matched : undefined
}

const credentialHeaderName = headerNamesFinder(CREDENTIAL_HEADERS)

/** Replaces whatever credentials the client sent with the proxy's own key, in the upstream's style. */
export function withUpstreamKey(
  headers: readonly HeaderPair[],
  key: string,
  style: CredentialStyle,
): HeaderPair[] {
  const out = headers.filter(([name]) => credentialHeaderName(name) === undefined)
  out.push(style === 'bearer' ? ['Authorization', `Bearer ${key}`] : [style, key])
  return out
}

/** Azure OpenAI reads `api-key`; an unmodified OpenAI client sends `Authorization: Bearer`. */
export function bearerToApiKey(headers: readonly HeaderPair[]): HeaderPair[] {
  if (headers.some(([name]) => isHeaderName(name, 'api-key'))) return [...headers]
  return headers.map(([name, value]) =>
    isHeaderName(name, 'authorization')
      ? (['api-key', value.replace(/^Bearer\s+/i, '')] as const)
      : [name, value],
  )
}
