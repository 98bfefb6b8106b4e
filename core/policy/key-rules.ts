import type { AccessKey } from './access-keys'
import { ANY_KEY, nameProblem } from './access-keys'
import { ConfigError } from './errors'

/**
 * What one access key may do (OXY_KEY_RULES). `models` is enforced here; `rpm`, `tpm` and
 * `tokens_per_day` are validated here and enforced by the limits (core/limits, docs/limits.md).
 */
export interface KeyRule {
  /** Exact model names, or prefixes ending in `*` (`gpt-4o*`); undefined: every model. */
  readonly models?: readonly string[]
  /** Requests per minute. */
  readonly rpm?: number
  /** Tokens (prompt + completion, as the upstream reports them) per minute. */
  readonly tpm?: number
  /** Tokens per day. */
  readonly tokensPerDay?: number
}

/** Rules by key name; the `*` entry applies to every key without its own. */
export type KeyRules = ReadonlyMap<string, KeyRule>

const LIMIT_FIELDS = { rpm: 'rpm', tpm: 'tpm', tokens_per_day: 'tokensPerDay' } as const
const FIELDS = ['models', ...Object.keys(LIMIT_FIELDS)]
/** Keeps a typo'd huge number from passing as "no limit in practice". */
const MAX_LIMIT = 1e15

/**
 * OXY_KEY_RULES: `{"alice":{"models":["gpt-4o-mini"],"rpm":60},"*":{"models":["gpt-4o-mini"]}}`.
 * Names must be names in OXY_ACCESS_KEYS (or `*`), so that a typo does not leave a key unrestricted.
 * Errors name the variable and what is wrong; the JSON itself holds no secret but is not echoed
 * whole either, only the offending name or field.
 */
export function parseKeyRules(
  variable: string,
  value: string | undefined,
  keys: readonly AccessKey[],
): KeyRules {
  const rules = new Map<string, KeyRule>()
  if (value === undefined || value.trim() === '') return rules
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch (error) {
    throw new ConfigError(variable, '', `is not valid JSON (${(error as Error).message})`)
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigError(
      variable,
      '',
      'expected a JSON object keyed by access-key name, such as {"alice":{"models":["gpt-4o-mini"]}}',
    )
  }
  for (const [name, rule] of Object.entries(parsed)) {
    if (keys.some((key) => key.token === name)) {
      throw new ConfigError(
        variable,
        '',
        'names a key by its token; use the name from OXY_ACCESS_KEYS (name:token)',
      )
    }
    const problem = name === ANY_KEY ? undefined : nameProblem(name)
    if (problem) throw new ConfigError(variable, '', `the key name ${JSON.stringify(name)} ${problem}`)
    if (name !== ANY_KEY && !keys.some((key) => key.name === name)) {
      throw new ConfigError(
        variable,
        '',
        keys.length === 0
          ? `names the key "${name}", but OXY_ACCESS_KEYS is empty; rules need named access keys (or only a "*" entry)`
          : `names the key "${name}", which is not in OXY_ACCESS_KEYS (known: ${keys.map((key) => key.name).join(', ')})`,
      )
    }
    rules.set(name, parseRule(variable, name, rule))
  }
  return rules
}

function parseRule(variable: string, name: string, value: unknown): KeyRule {
  const where = `the rule for "${name}"`
  if (!isPlainObject(value))
    throw new ConfigError(variable, '', `${where} must be an object such as {"models":["gpt-4o-mini"]}`)
  const unknown = Object.keys(value).find((field) => !FIELDS.includes(field))
  if (unknown !== undefined) {
    throw new ConfigError(
      variable,
      '',
      `${where} has an unknown field "${unknown}" (known: ${FIELDS.join(', ')})`,
    )
  }
  const rule: { -readonly [K in keyof KeyRule]: KeyRule[K] } = {}
  if (value.models !== undefined) {
    const models = value.models
    if (
      !Array.isArray(models) ||
      models.length === 0 ||
      !models.every((m) => typeof m === 'string' && m.trim() !== '')
    ) {
      throw new ConfigError(variable, '', `${where}: "models" must be a non-empty list of model names`)
    }
    rule.models = models.map((model: string) => model.trim())
  }
  for (const [field, property] of Object.entries(LIMIT_FIELDS)) {
    const limit = value[field]
    if (limit === undefined) continue
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) {
      throw new ConfigError(variable, '', `${where}: "${field}" must be a whole number from 0 up`)
    }
    rule[property] = limit
  }
  return rule
}

/** The rule that applies to a key: its own, else the `*` entry, else none. */
export function ruleFor(rules: KeyRules, name: string | undefined): KeyRule | undefined {
  return (name === undefined ? undefined : rules.get(name)) ?? rules.get(ANY_KEY)
}

/** Whether a rule lets a request for `model` through. A request that names no model passes. */
export function allowsModel(rule: KeyRule | undefined, model: string | undefined): boolean {
  if (rule?.models === undefined || model === undefined) return true
  return rule.models.some((allowed) =>
    allowed.endsWith('*') ? model.startsWith(allowed.slice(0, -1)) : model === allowed,
  )
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
