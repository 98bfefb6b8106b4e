import { describe, expect, it } from 'vitest'
import { parseAccessKeys } from './access-keys'
import { ConfigError } from './errors'
import { allowsModel, parseKeyRules, ruleFor } from './key-rules'

const keys = parseAccessKeys('OXY_ACCESS_KEYS', 'alice:alice-token-0123456789,bob:bob-token-0123456789')

function refusal(value: string, known = keys): ConfigError {
  try {
    parseKeyRules('OXY_KEY_RULES', value, known)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseKeyRules', () => {
  it('should read models and limits per key name, and a "*" entry', () => {
    const rules = parseKeyRules(
      'OXY_KEY_RULES',
      '{"alice":{"models":["gpt-4o-mini"," gpt-4o "],"rpm":60,"tpm":100000,"tokens_per_day":2000000},"*":{"models":["gpt-4o-mini"]}}',
      keys,
    )
    expect(rules.get('alice')).toEqual({
      models: ['gpt-4o-mini', 'gpt-4o'],
      rpm: 60,
      tpm: 100_000,
      tokensPerDay: 2_000_000,
    })
    expect(ruleFor(rules, 'alice')?.rpm).toBe(60)
    expect(ruleFor(rules, 'bob')).toEqual({ models: ['gpt-4o-mini'] })
    expect(ruleFor(rules, undefined)).toEqual({ models: ['gpt-4o-mini'] })
  })

  it('should have no rules when unset or blank', () => {
    expect(parseKeyRules('OXY_KEY_RULES', undefined, keys).size).toBe(0)
    expect(parseKeyRules('OXY_KEY_RULES', ' ', []).size).toBe(0)
    expect(ruleFor(parseKeyRules('OXY_KEY_RULES', '{"alice":{}}', keys), 'bob')).toBeUndefined()
  })

  it.each([
    ['{"alice":{"models":["gpt-4o"]', 'is not valid JSON'],
    ['["alice"]', 'expected a JSON object'],
    ['{"alice":["gpt-4o"]}', 'the rule for "alice" must be an object'],
    ['{"alice":{"model":["gpt-4o"]}}', 'unknown field "model"'],
    ['{"alice":{"models":[]}}', '"models" must be a non-empty list'],
    ['{"alice":{"models":"gpt-4o"}}', '"models" must be a non-empty list'],
    ['{"alice":{"rpm":1.5}}', '"rpm" must be a whole number'],
    ['{"alice":{"tokens_per_day":-1}}', '"tokens_per_day" must be a whole number'],
    ['{"carol":{"models":["gpt-4o"]}}', '"carol", which is not in OXY_ACCESS_KEYS (known: alice, bob)'],
    ['{"a,b":{}}', 'may not contain a comma or a colon'],
    ['{"a:b":{}}', 'may not contain a comma or a colon'],
  ])('should refuse %s naming the variable and the problem', (value, problem) => {
    const error = refusal(value)
    expect(error.variable).toBe('OXY_KEY_RULES')
    expect(error.message).toMatch(/^OXY_KEY_RULES/)
    expect(error.message).toContain(problem)
  })

  it('should refuse named rules when no access key has a name, but accept "*" alone', () => {
    expect(refusal('{"alice":{}}', []).message).toContain('OXY_ACCESS_KEYS is empty')
    expect(parseKeyRules('OXY_KEY_RULES', '{"*":{"rpm":10}}', []).get('*')).toEqual({ rpm: 10 })
  })

  it('should never print a token, even when one is pasted where a name goes', () => {
    const token = 'alice-token-0123456789'
    const error = refusal(`{"${token}":{}}`)
    expect(error.message).toContain('names a key by its token')
    expect(error.message).not.toContain(token)
    expect(refusal(`{"alice":{"models":["${token}"]}`).message).not.toContain(token)
  })
})

describe('allowsModel', () => {
  const rule = { models: ['gpt-4o-mini', 'o3*'] }
  it('should allow listed models and prefixes, and refuse others', () => {
    expect(allowsModel(rule, 'gpt-4o-mini')).toBe(true)
    expect(allowsModel(rule, 'o3-mini')).toBe(true)
    expect(allowsModel(rule, 'gpt-4o')).toBe(false)
    expect(allowsModel(rule, 'gpt-4o-mini-2024-07-18')).toBe(false)
  })

  it('should let requests without a model, and keys without a model list, through', () => {
    expect(allowsModel(rule, undefined)).toBe(true)
    expect(allowsModel({ rpm: 5 }, 'gpt-4o')).toBe(true)
    expect(allowsModel(undefined, 'gpt-4o')).toBe(true)
  })
})
