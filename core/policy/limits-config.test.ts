import { describe, expect, it } from 'vitest'
import { ConfigError } from './errors'
import { findKeyLimits, parseLimitsConfig } from './limits-config'

describe('parseLimitsConfig', () => {
  it('should read rpm, tpm and tokens_per_day per key and leave other fields to their parser', () => {
    const config = parseLimitsConfig({
      OXY_KEY_RULES: JSON.stringify({
        alice: { models: ['gpt-4o-mini'], rpm: 60, tpm: 40_000, tokens_per_day: 1_000_000 },
        bob: { models: ['gpt-4o'] },
        '*': { rpm: 20 },
      }),
    })
    expect(config?.rules.get('alice')).toEqual({ rpm: 60, tpm: 40_000, tokensPerDay: 1_000_000 })
    expect(config?.rules.has('bob')).toBe(false)
    expect(config?.resetUtcHour).toBe(0)
    expect(config?.onStoreError).toBe('open')
    expect(config?.redis).toBeUndefined()
  })

  it('should be off when no key has a limit', () => {
    expect(parseLimitsConfig({})).toBeUndefined()
    expect(parseLimitsConfig({ OXY_KEY_RULES: '{"bob":{"models":["gpt-4o"]}}' })).toBeUndefined()
  })

  it('should take the rules the gateway parsed from OXY_KEY_RULES instead of parsing them again', () => {
    const keyRules = new Map([
      ['alice', { models: ['gpt-4o'], tpm: 100 }],
      ['bob', { models: ['gpt-4o'] }],
    ])
    const config = parseLimitsConfig({ OXY_KEY_RULES: 'not read' }, keyRules)
    expect([...(config?.rules ?? [])]).toEqual([['alice', { models: ['gpt-4o'], tpm: 100 }]])
  })

  it('should read the reset hour, the failure mode and the Redis URL', () => {
    const config = parseLimitsConfig({
      OXY_KEY_RULES: '{"*":{"rpm":5}}',
      OXY_BUDGET_RESET_UTC_HOUR: '16',
      OXY_LIMITS_ON_STORE_ERROR: 'closed',
      OXY_REDIS_URL: 'redis://:pw@127.0.0.1:6379/1',
    })
    expect(config).toMatchObject({
      resetUtcHour: 16,
      onStoreError: 'closed',
      redis: { db: 1, password: 'pw' },
    })
  })

  it.each([
    ['{"alice":{"rpm":-1}}', 'OXY_KEY_RULES', '"alice".rpm must be a whole number from 0 up'],
    ['{"alice":{"tpm":1.5}}', 'OXY_KEY_RULES', '"alice".tpm'],
    ['{"alice":{"tokens_per_day":"100"}}', 'OXY_KEY_RULES', '"alice".tokens_per_day'],
    ['{"alice":5}', 'OXY_KEY_RULES', 'must be an object'],
    ['[1]', 'OXY_KEY_RULES', 'JSON object'],
    ['{nope', 'OXY_KEY_RULES', 'expected JSON'],
  ])('should refuse OXY_KEY_RULES=%s naming the variable and the problem', (value, variable, expected) => {
    expect(() => parseLimitsConfig({ OXY_KEY_RULES: value })).toThrow(ConfigError)
    expect(() => parseLimitsConfig({ OXY_KEY_RULES: value })).toThrow(variable)
    expect(() => parseLimitsConfig({ OXY_KEY_RULES: value })).toThrow(expected)
  })

  it('should refuse a bad reset hour or failure mode', () => {
    expect(() => parseLimitsConfig({ OXY_BUDGET_RESET_UTC_HOUR: '24' })).toThrow('OXY_BUDGET_RESET_UTC_HOUR')
    expect(() => parseLimitsConfig({ OXY_LIMITS_ON_STORE_ERROR: 'maybe' })).toThrow('expected open or closed')
  })
})

describe('findKeyLimits', () => {
  it('should use the key own entry, else the "*" entry, never a mix', () => {
    const config = parseLimitsConfig({ OXY_KEY_RULES: '{"alice":{"tpm":100},"*":{"rpm":5}}' })!
    expect(findKeyLimits(config, 'alice')).toEqual({ tpm: 100 })
    expect(findKeyLimits(config, 'carol')).toEqual({ rpm: 5 })
  })
})
