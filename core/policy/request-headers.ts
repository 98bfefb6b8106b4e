import {
  CLIENT_ADDRESS_HEADERS,
  CLIENT_ADDRESS_PREFIXES,
  normalizeHeaderName,
} from './client-address-headers'
import { EDGE_PLATFORM_HEADERS, EDGE_PLATFORM_PREFIXES } from './edge-platform-headers'
import type { HeaderList, HeaderPair } from './header-list'
import { connectionNominated, HOP_BY_HOP_HEADERS } from './hop-by-hop'

/**
 * Headers that tell the upstream who the client is or which platform runs the proxy.
 * Forwarding a client's IP or country invites OpenAI's region block
 * (unsupported_country_region_territory); forwarding platform headers can leak the account
 * (Aliyun FC sends x-fc-access-key-secret and x-fc-security-token on every request).
 */
export const CLIENT_REVEALING_HEADERS: ReadonlySet<string> = new Set([
  'forwarded', // RFC 7239
  'via',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-original-forwarded-for',
  'fastly-client-ip',
  'cdn-loop', // RFC 8586, added by Cloudflare
  'x-api-requestid',
  'eo-connecting-ip', // Tencent EdgeOne
  'eo-client-ipcountry',
  'ali-cdn-real-ip',
  // The function role's temporary credentials, which Aliyun FC and Tencent SCF put on every request.
  // Dropped on every target, not only by their adapters: a node-server bundle deployed there must
  // not leak them either.
  'x-scf-secret-id',
  'x-scf-secret-key',
  'x-scf-session-token',
  'x-fc-access-key-id',
  'x-fc-access-key-secret',
  'x-fc-security-token',
])

/** Prefixes dropped on every platform: Cloudflare, AWS API Gateway / CloudFront, generic forwarding. */
export const CLIENT_REVEALING_PREFIXES: readonly string[] = [
  'x-forwarded-',
  'cf-', // CF-Connecting-IP, CF-IPCountry, CF-Ray, CF-Visitor, CF-Worker, ...
  'x-client-proto',
  'x-amzn-', // x-amzn-trace-id, x-amzn-requestid; API Gateway, ALB, function URLs
  'x-amz-cf-', // CloudFront request id and PoP
  'cloudfront-', // CloudFront-Viewer-Country, CloudFront-Is-*-Viewer, CloudFront-Viewer-Address
]

/**
 * `Expect: 100-continue` is answered by the proxy's own HTTP server; forwarding it would make the
 * upstream answer a second 100 for a body that is already on its way.
 */
const ANSWERED_LOCALLY: ReadonlySet<string> = new Set(['expect', 'host'])

export interface RequestHeaderPolicy {
  /** The Host header value for the upstream. */
  readonly upstreamHost: string
  /** Lower-case prefixes configured by the platform and OXY_HOP_HEADER_PREFIX. */
  readonly dropPrefixes: readonly string[]
}

/**
 * Every list above in one set and one array, read once per header on every request. A hop-by-hop
 * name spelt with `_` is dropped too: no server reads `Keep_Alive` as anything a client needs.
 */
const DROPPED_NAMES: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  ...ANSWERED_LOCALLY,
  ...CLIENT_REVEALING_HEADERS,
  ...CLIENT_ADDRESS_HEADERS,
  ...EDGE_PLATFORM_HEADERS,
])
const DROPPED_PREFIXES: readonly string[] = [
  ...new Set([...CLIENT_REVEALING_PREFIXES, ...CLIENT_ADDRESS_PREFIXES, ...EDGE_PLATFORM_PREFIXES]),
]

/**
 * The headers to send upstream: everything the client sent, byte-exact and in order, minus
 * hop-by-hop and client- or platform-revealing headers, with Host set to the upstream.
 */
export function toUpstreamHeaders(pairs: HeaderList, policy: RequestHeaderPolicy): HeaderPair[] {
  const nominated = connectionNominated(pairs)
  const out: HeaderPair[] = [['Host', policy.upstreamHost]]
  for (const pair of pairs) {
    const lower = pair[0].toLowerCase()
    // CGI-style upstreams read X_Forwarded_For as X-Forwarded-For: every denylist sees both.
    const dashed = lower.includes('_') ? normalizeHeaderName(lower) : lower
    if (
      DROPPED_NAMES.has(dashed) ||
      nominated?.has(lower) ||
      startsWithAny(dashed, DROPPED_PREFIXES) ||
      startsWithAny(dashed, policy.dropPrefixes)
    ) {
      continue
    }
    out.push(pair)
  }
  return out
}

function startsWithAny(name: string, prefixes: readonly string[]): boolean {
  for (const prefix of prefixes) if (name.startsWith(prefix)) return true
  return false
}
