import { describe, expect, it } from 'vitest'
import { ConfigError } from './errors'
import { parseUpstreamKeys } from './key-list'

function refusal(value: string): ConfigError {
  try {
    parseUpstreamKeys('OXY_UPSTREAM_KEY', value)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseUpstreamKeys', () => {
  it('should read several comma-separated keys in order, trimmed', () => {
    expect(parseUpstreamKeys('OXY_UPSTREAM_KEY', ' sk-one , sk-two,sk-three ')).toEqual([
      'sk-one',
      'sk-two',
      'sk-three',
    ])
    expect(parseUpstreamKeys('OXY_UPSTREAM_KEY', 'sk-only')).toEqual(['sk-only'])
    expect(parseUpstreamKeys('OXY_UPSTREAM_KEY', '  ')).toEqual([])
    expect(parseUpstreamKeys('OXY_UPSTREAM_KEY', undefined)).toEqual([])
  })

  it.each([
    ['sk-secret-one,,sk-secret-two', 'entry 2 of 3 is empty'],
    ['sk-secret-one,', 'entry 2 of 2 is empty'],
    ['sk-secret one', 'key 1 has a space'],
    ['sk-secret-one,sk-secret-one', 'keys 1 and 2 are the same'],
  ])('should refuse %j naming the variable and the position, never the key', (value, problem) => {
    const error = refusal(value)
    expect(error.variable).toBe('OXY_UPSTREAM_KEY')
    expect(error.message).toContain('OXY_UPSTREAM_KEY')
    expect(error.message).toContain(problem)
    expect(error.message).not.toContain('secret-one')
    expect(error.message).not.toContain('secret-two')
  })
})
