import type { Env } from './config'
import { ConfigError } from './errors'
import type { RedisEndpoint } from './redis-url'
import { parseRedisUrl } from './redis-url'

/**
 * Per-key limits, read from the same OXY_KEY_RULES object that names which models a key may
 * use: `{"alice":{"rpm":60,"tpm":40000,"tokens_per_day":1000000},"*":{"rpm":20}}`. The gateway's
 * key-rules parser (issue 13) reads the same fields with the same meaning; once both are on one
 * branch, `parseLimitsConfig(env, config.keyRules)` uses its result and parseKeyLimits goes.
 * A limit of 0 refuses every request of that key (a way to suspend it).
 */

export const KEY_RULES_VARIABLE = 'OXY_KEY_RULES'
/** The entry for every key without its own. */
export const DEFAULT_RULE_NAME = '*'

export interface KeyLimits {
  /** Requests per minute. */
  readonly rpm?: number
  /** Tokens (prompt + completion, as the upstream reports them) per minute. */
  readonly tpm?: number
  /** Tokens per day; the day starts at `resetUtcHour`:00 UTC. */
  readonly tokensPerDay?: number
}

export type StoreErrorMode = 'open' | 'closed'

export interface LimitsConfig {
  /** Key name (or `*`) to its limits; only entries with at least one limit. */
  readonly rules: ReadonlyMap<string, KeyLimits>
  readonly resetUtcHour: number
  /** Unset: counters in this process (per instance). */
  readonly redis: RedisEndpoint | undefined
  /** What a request gets when the store does not answer in time. */
  readonly onStoreError: StoreErrorMode
}

const LIMIT_FIELDS = [
  ['rpm', 'rpm'],
  ['tpm', 'tpm'],
  ['tokens_per_day', 'tokensPerDay'],
] as const
/** Larger counts lose integer precision in Lua's doubles and JSON numbers. */
const MAX_LIMIT = Number.MAX_SAFE_INTEGER

/** Undefined when no key has a limit: the request path then skips limits entirely. */
export function parseLimitsConfig(
  env: Env,
  keyRules: ReadonlyMap<string, KeyLimits> = parseKeyLimits(KEY_RULES_VARIABLE, env[KEY_RULES_VARIABLE]),
): LimitsConfig | undefined {
  const rules = new Map([...keyRules].filter(([, limits]) => hasLimit(limits)))
  const redisUrl = env.OXY_REDIS_URL?.trim()
  const redis = redisUrl ? parseRedisUrl('OXY_REDIS_URL', redisUrl) : undefined
  const resetUtcHour = parseResetHour('OXY_BUDGET_RESET_UTC_HOUR', env.OXY_BUDGET_RESET_UTC_HOUR)
  const onStoreError = parseStoreErrorMode('OXY_LIMITS_ON_STORE_ERROR', env.OXY_LIMITS_ON_STORE_ERROR)
  if (rules.size === 0) return undefined
  return { rules, resetUtcHour, redis, onStoreError }
}

export function parseKeyLimits(variable: string, value: string | undefined): ReadonlyMap<string, KeyLimits> {
  const rules = new Map<string, KeyLimits>()
  if (value === undefined || value.trim() === '') return rules
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch (error) {
    throw new ConfigError(variable, value, `expected JSON (${(error as Error).message})`)
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigError(variable, value, 'expected a JSON object keyed by access-key name')
  }
  for (const [name, entry] of Object.entries(parsed)) {
    if (!isPlainObject(entry)) {
      throw new ConfigError(variable, value, `the entry for "${name}" must be an object such as {"rpm":60}`)
    }
    const limits: Record<string, number> = {}
    for (const [field, property] of LIMIT_FIELDS) {
      const limit = entry[field]
      if (limit === undefined || limit === null) continue
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) {
        throw new ConfigError(
          variable,
          value,
          `"${name}".${field} must be a whole number from 0 up (leave it out for no limit)`,
        )
      }
      limits[property] = limit
    }
    rules.set(name, limits)
  }
  return rules
}

/**
 * A key's own entry, else the `*` entry, else none. Without access keys there is no name: the
 * `*` limits then hold for the whole proxy, counted under the name `*`.
 */
export function findKeyLimits(config: LimitsConfig, keyName: string | undefined): KeyLimits | undefined {
  return (
    (keyName === undefined ? undefined : config.rules.get(keyName)) ?? config.rules.get(DEFAULT_RULE_NAME)
  )
}

function hasLimit(limits: KeyLimits): boolean {
  return limits.rpm !== undefined || limits.tpm !== undefined || limits.tokensPerDay !== undefined
}

function parseResetHour(variable: string, value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 0
  const hour = Number(value.trim())
  if (!/^\d{1,2}$/.test(value.trim()) || hour > 23) {
    throw new ConfigError(variable, value, 'expected an hour from 0 to 23 (UTC); 16 is midnight in Beijing')
  }
  return hour
}

function parseStoreErrorMode(variable: string, value: string | undefined): StoreErrorMode {
  const mode = (value ?? 'open').trim().toLowerCase() || 'open'
  if (mode !== 'open' && mode !== 'closed')
    throw new ConfigError(variable, value ?? '', 'expected open or closed')
  return mode
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
