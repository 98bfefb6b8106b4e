import { getHeader } from './header-list'

/**
 * Whether an upstream's answer to one attempt should be tried again with another key or target,
 * and what to blame. Pure: the caller reads the status, headers and (for 403/429) the start of
 * the error body, and feeds them in.
 */

/** A key refused as invalid or out of quota rests this long (per instance) before it is tried again. */
export const KEY_REST_MS = 10 * 60_000
/** A 429 without Retry-After rests its key this long. */
export const DEFAULT_RATE_LIMIT_REST_MS = 5_000
/** A target that could not be connected to rests this long. */
export const TARGET_REST_MS = 30_000
/** The start of an error body read to find its code: OpenAI's and Anthropic's are far smaller. */
export const ERROR_BODY_PEEK_BYTES = 16 * 1024

/**
 * 403 with this code is OpenAI refusing the region the request comes from: every key gets the
 * same answer, so it goes to the client at once.
 * https://platform.openai.com/docs/guides/error-codes
 */
const REGION_CODE = 'unsupported_country_region_territory'
/** The key is wrong or revoked; the account has no credit left. Neither heals in seconds. */
const DEAD_KEY_CODES = ['invalid_api_key', 'insufficient_quota'] as const

export type AttemptFailure =
  /** No connection: DNS, refused, connect timeout, TLS. The target rests. */
  | { readonly kind: 'unreachable' }
  /** Connected, but the connection ended before a response head. */
  | { readonly kind: 'reset' }
  /** A response head (and, for 403/429, the start of its body). */
  | {
      readonly kind: 'answer'
      readonly status: number
      readonly headers: ReadonlyHeaders
      readonly body?: string
    }

type ReadonlyHeaders = readonly (readonly [string, string])[]

export interface Verdict {
  /** Whether another key or target may be tried. */
  readonly retry: boolean
  /** Skip this key for the rest of the request (the answer was about the key). */
  readonly blameKey: boolean
  /** Skip this target for the rest of the request (it could not be reached). */
  readonly blameTarget: boolean
  /** Rest the key this long across requests. */
  readonly keyRestMs?: number
  /** Rest the target this long across requests. */
  readonly targetRestMs?: number
}

const FINAL: Verdict = { retry: false, blameKey: false, blameTarget: false }
const NEXT: Verdict = { retry: true, blameKey: false, blameTarget: false }

/** Statuses another key or target may answer better. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([401, 403, 429, 500, 502, 503, 504, 529])

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status)
}

/** Statuses whose error body decides the verdict, so the caller reads its start first. */
export function needsErrorBody(status: number): boolean {
  return status === 401 || status === 403 || status === 429
}

/**
 * 401, 403 (not the region refusal), 429: another key may do better. 500, 502, 503, 504 and
 * Anthropic's 529 (overloaded): the next attempt may land elsewhere. Everything else, success
 * included, goes to the client.
 */
export function judgeAttempt(failure: AttemptFailure, now: number): Verdict {
  if (failure.kind === 'unreachable') return { ...NEXT, blameTarget: true, targetRestMs: TARGET_REST_MS }
  if (failure.kind === 'reset') return NEXT
  const { status, body = '' } = failure
  const deadKey = DEAD_KEY_CODES.some((code) => body.includes(code))
  if (status === 401) return { ...NEXT, blameKey: true, keyRestMs: KEY_REST_MS }
  if (status === 403) {
    if (body.includes(REGION_CODE)) return FINAL
    return { ...NEXT, blameKey: true, ...(deadKey ? { keyRestMs: KEY_REST_MS } : {}) }
  }
  if (status === 429) {
    const rest = deadKey ? KEY_REST_MS : (retryAfterMs(failure.headers, now) ?? DEFAULT_RATE_LIMIT_REST_MS)
    return { ...NEXT, blameKey: true, keyRestMs: Math.min(rest, KEY_REST_MS) }
  }
  if (isRetryableStatus(status)) return NEXT
  return FINAL
}

/**
 * How long the upstream asks to wait: `retry-after-ms` (Azure, OpenAI), else `Retry-After` in
 * seconds or as an HTTP date (RFC 9110 10.2.3).
 */
export function retryAfterMs(headers: ReadonlyHeaders, now: number): number | undefined {
  const ms = getHeader(headers, 'retry-after-ms')?.trim()
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms))
  const value = getHeader(headers, 'retry-after')?.trim()
  if (value === undefined || value === '') return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
