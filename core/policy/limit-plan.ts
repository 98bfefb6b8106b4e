import { OxyError, toErrorBody } from './errors'
import type { HeaderList, HeaderPair } from './header-list'
import type { KeyLimits, LimitsConfig } from './limits-config'
import { DEFAULT_RULE_NAME, findKeyLimits } from './limits-config'
import type { LocalReply } from './plan-request'
import type { LimitReading } from './rate-limit-headers'
import { formatResetDuration, rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers'

/**
 * Which counters a request touches and what their values mean; the store does the counting.
 * Rule: a request is admitted while every counter of its key is under its limit. Tokens are
 * known only after the response, so they are added then: the request that crosses a token
 * limit completes, the next one is refused. Windows start at a counter's first use and last
 * 60 s (rpm, tpm); the daily budget runs from the reset hour to the next.
 */

export const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
/**
 * Every key oxy writes starts with this, so an owner can find (and flush) them. The key name
 * sits in braces, a Redis Cluster hash tag, so one script's keys share a slot behind the
 * cluster proxies of managed Redis: https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 */
export const COUNTER_KEY_PREFIX = 'oxy:limits:'

/** One counter to read and, when the request is admitted, to raise by `cost`. */
export interface Counter {
  readonly key: string
  readonly limit: number
  /** Life of the counter from its first write. */
  readonly windowMs: number
  readonly cost: number
}

export interface CounterState {
  readonly value: number
  /** Milliseconds until the counter expires; 0 when it does not exist. */
  readonly resetMs: number
}

/** What the store answers to `take`: all counters, after the increment when admitted. */
export interface TakeResult {
  readonly admitted: boolean
  readonly counters: readonly CounterState[]
}

/** Tokens to add to a counter after the response, creating it with `windowMs` if absent. */
export interface CounterAdd {
  readonly key: string
  readonly amount: number
  readonly windowMs: number
}

type CounterKind = 'requests' | 'tokens' | 'budget'

export interface AdmissionPlan {
  readonly keyName: string | undefined
  readonly counters: readonly Counter[]
  readonly kinds: readonly CounterKind[]
  /** When the daily budget starts again, as epoch milliseconds. */
  readonly budgetResetsAt: number
}

export type Admission =
  | { readonly kind: 'admit' }
  | { readonly kind: 'refuse'; readonly error: OxyError; readonly headers: HeaderPair[] }

/** One object for every admission: nearly every request is admitted, and it carries nothing. */
const ADMIT: Admission = { kind: 'admit' }

/** Undefined when the key has no limits: nothing to count. */
export function planAdmission(
  config: LimitsConfig,
  keyName: string | undefined,
  nowMs: number,
): AdmissionPlan | undefined {
  const limits = findKeyLimits(config, keyName)
  if (!limits) return undefined
  const budget = budgetPeriod(config.resetUtcHour, nowMs)
  const keys = counterKeys(keyName, budget.startsAt)
  const fixed = fixedCounters(keys, limits)
  // The budget's window is what is left of the day, so its counter is the one made per request.
  const counters =
    limits.tokensPerDay === undefined
      ? fixed.counters
      : [
          ...fixed.counters,
          { key: keys.budget, limit: limits.tokensPerDay, windowMs: budget.endsAt - nowMs, cost: 0 },
        ]
  return { keyName, counters, kinds: fixed.kinds, budgetResetsAt: budget.endsAt }
}

/** The adds for `tokens` spent by a key's request that ended at `nowMs`. */
export function planTokenAdds(
  config: LimitsConfig,
  keyName: string | undefined,
  nowMs: number,
  tokens: number,
): CounterAdd[] {
  const limits: KeyLimits | undefined = findKeyLimits(config, keyName)
  if (!limits || !(tokens > 0)) return []
  const budget = budgetPeriod(config.resetUtcHour, nowMs)
  const keys = counterKeys(keyName, budget.startsAt)
  const adds: CounterAdd[] = []
  if (limits.tpm !== undefined) adds.push({ key: keys.tokens, amount: tokens, windowMs: MINUTE_MS })
  if (limits.tokensPerDay !== undefined) {
    adds.push({ key: keys.budget, amount: tokens, windowMs: budget.endsAt - nowMs })
  }
  return adds
}

/** Reads the store's answer: admit, or the 429 that says which limit and when it resets. */
export function judgeAdmission(plan: AdmissionPlan, result: TakeResult): Admission {
  if (result.admitted) return ADMIT
  const readings = plan.kinds.map((kind, index) => ({ kind, reading: toReading(plan, result, index) }))
  const over = readings.filter(({ reading }) => reading.used >= reading.limit)
  const headers: HeaderPair[] = []
  const requests = readings.find(({ kind }) => kind === 'requests')
  const tokens =
    readings.find(({ kind }) => kind === 'tokens') ?? readings.find(({ kind }) => kind === 'budget')
  if (requests) headers.push(...rateLimitHeaders('requests', requests.reading))
  if (tokens) headers.push(...rateLimitHeaders('tokens', tokens.reading))
  const spent = over.find(({ kind }) => kind === 'budget')
  if (spent) {
    const resetsAt = new Date(plan.budgetResetsAt).toISOString().replace('.000Z', 'Z')
    headers.push(
      ['Retry-After', String(retryAfterSeconds(spent.reading.resetMs))],
      ['x-should-retry', 'false'],
    )
    const message =
      `The daily token budget of ${describeKey(plan.keyName)} is spent: ` +
      `limit ${spent.reading.limit}, used ${spent.reading.used}. It starts again at ${resetsAt}.`
    return { kind: 'refuse', error: new OxyError('token_budget_exhausted', message), headers }
  }
  const waitMs = Math.max(0, ...over.map(({ reading }) => reading.resetMs))
  headers.push(['Retry-After', String(retryAfterSeconds(waitMs))])
  const which = over.map(
    ({ kind, reading }) =>
      `${kind === 'requests' ? 'requests' : 'tokens'} per minute: limit ${reading.limit}, used ${reading.used}`,
  )
  const message =
    `Rate limit reached for ${describeKey(plan.keyName)} on ${which.join('; ') || 'its limits'}. ` +
    `Please try again in ${formatResetDuration(waitMs)}.`
  return { kind: 'refuse', error: new OxyError('rate_limit_exceeded', message), headers }
}

/** The OpenAI-shaped reply for a refusal, with the rate-limit headers and CORS. */
export function toLimitReply(
  refusal: { readonly error: OxyError; readonly headers: HeaderList },
  corsHeaders: HeaderList,
  logPath: string,
): LocalReply {
  return {
    kind: 'reply',
    status: refusal.error.status,
    headers: [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Cache-Control', 'no-store'],
      ...refusal.headers,
      ...corsHeaders,
    ],
    body: JSON.stringify(toErrorBody(refusal.error)),
    logPath,
  }
}

/** The refusal when the store did not answer and the owner chose OXY_LIMITS_ON_STORE_ERROR=closed. */
export function storeUnavailable(): { error: OxyError; headers: HeaderPair[] } {
  const message =
    "The store that holds this proxy's limits (redis) did not answer in time, and the proxy is set to " +
    'refuse requests until it does (OXY_LIMITS_ON_STORE_ERROR=closed).'
  return { error: new OxyError('limits_store_unavailable', message), headers: [['Retry-After', '1']] }
}

/** The daily budget's period around `nowMs`: from the last reset hour to the next. */
export function budgetPeriod(resetUtcHour: number, nowMs: number): { startsAt: number; endsAt: number } {
  const offset = resetUtcHour * 3_600_000
  const startsAt = Math.floor((nowMs - offset) / DAY_MS) * DAY_MS + offset
  return { startsAt, endsAt: startsAt + DAY_MS }
}

function describeKey(keyName: string | undefined): string {
  return keyName === undefined ? 'this proxy' : `access key "${keyName}"`
}

function tokensKey(name: string): string {
  return `${COUNTER_KEY_PREFIX}{${name}}:tpm`
}

/** A key's counter names, the same string objects on every request (a map hashes each once). */
interface CounterKeys {
  /** The key's name as it sits in its counters' names (URI-encoded). */
  readonly name: string
  readonly requests: string
  readonly tokens: string
  /** The daily budget's counter, for the period that starts at `budgetStartsAt`. */
  budget: string
  budgetStartsAt: number
  /** The counters that stay the same from request to request, for the limits they were made for. */
  fixed: FixedCounters | undefined
}

interface FixedCounters {
  readonly limits: KeyLimits
  /** rpm and tpm: their windows start at their first use, so their counters never change. */
  readonly counters: readonly Counter[]
  /** What each counter counts; `budget` last when the key has a daily budget. */
  readonly kinds: readonly CounterKind[]
}

/** Names come from OXY_ACCESS_KEYS (or the `*` rule): a few; the bound is only a guard. */
const MAX_CACHED_KEY_NAMES = 10_000
const counterKeysByName = new Map<string, CounterKeys>()

function counterKeys(keyName: string | undefined, budgetStartsAt: number): CounterKeys {
  const ruleName = keyName ?? DEFAULT_RULE_NAME
  let keys = counterKeysByName.get(ruleName)
  if (!keys) {
    if (counterKeysByName.size >= MAX_CACHED_KEY_NAMES) counterKeysByName.clear()
    const name = encodeURIComponent(ruleName)
    keys = {
      name,
      requests: `${COUNTER_KEY_PREFIX}{${name}}:rpm`,
      tokens: tokensKey(name),
      budget: '',
      budgetStartsAt: Number.NaN,
      fixed: undefined,
    }
    counterKeysByName.set(ruleName, keys)
  }
  if (keys.budgetStartsAt !== budgetStartsAt) {
    keys.budget = budgetKey(keys.name, budgetStartsAt)
    keys.budgetStartsAt = budgetStartsAt
  }
  return keys
}

/** Made once per key (and again if its limits change, as when tests load another config). */
function fixedCounters(keys: CounterKeys, limits: KeyLimits): FixedCounters {
  if (keys.fixed?.limits === limits) return keys.fixed
  const counters: Counter[] = []
  const kinds: CounterKind[] = []
  if (limits.rpm !== undefined) {
    counters.push({ key: keys.requests, limit: limits.rpm, windowMs: MINUTE_MS, cost: 1 })
    kinds.push('requests')
  }
  if (limits.tpm !== undefined) {
    counters.push({ key: keys.tokens, limit: limits.tpm, windowMs: MINUTE_MS, cost: 0 })
    kinds.push('tokens')
  }
  if (limits.tokensPerDay !== undefined) kinds.push('budget')
  keys.fixed = { limits, counters, kinds }
  return keys.fixed
}

let lastDay = { startsAt: Number.NaN, text: '' }

/** The period's start in the key: a new period is a new counter, so nothing needs resetting. */
function budgetKey(name: string, startsAt: number): string {
  if (lastDay.startsAt !== startsAt)
    lastDay = { startsAt, text: new Date(startsAt).toISOString().slice(0, 13) }
  return `${COUNTER_KEY_PREFIX}{${name}}:tpd:${lastDay.text}`
}

function toReading(plan: AdmissionPlan, result: TakeResult, index: number): LimitReading {
  const state = result.counters[index] ?? { value: 0, resetMs: 0 }
  const counter = plan.counters[index]!
  return { limit: counter.limit, used: state.value, resetMs: state.resetMs }
}
