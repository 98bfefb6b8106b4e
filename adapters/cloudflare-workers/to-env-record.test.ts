import { describe, expect, it } from 'vitest'
import { toEnvRecord } from './to-env-record'

describe('toEnvRecord', () => {
  it('should keep text vars and stringify number and boolean vars', () => {
    expect(
      toEnvRecord({ OXY_TARGET: 'https://api.openai.com', OXY_IDLE_TIMEOUT_MS: 30000, FLAG: true }),
    ).toEqual({
      OXY_TARGET: 'https://api.openai.com',
      OXY_IDLE_TIMEOUT_MS: '30000',
      FLAG: 'true',
    })
  })

  it('should skip bindings that are not configuration', () => {
    const kv = { get() {}, put() {} }
    expect(toEnvRecord({ CACHE: kv, LIMITS: { rpm: 60 }, NAN: Number.NaN, NOTHING: null })).toEqual({})
  })
})
