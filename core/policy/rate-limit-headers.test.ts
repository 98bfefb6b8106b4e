import { describe, expect, it } from 'vitest'
import { formatResetDuration, rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers'

describe('formatResetDuration', () => {
  it.each([
    [0, '0s'],
    [12, '12ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1200, '1.2s'],
    [17_500, '17.5s'],
    [360_000, '6m0s'],
    [3_723_000, '1h2m3s'],
    [86_400_000, '24h0m0s'],
  ])('should write %d ms as OpenAI does: %s', (ms, text) => {
    expect(formatResetDuration(ms)).toBe(text)
  })
})

describe('rateLimitHeaders', () => {
  it('should give the limit, what remains (never below 0) and the reset', () => {
    expect(rateLimitHeaders('requests', { limit: 50, used: 51, resetMs: 6000 })).toEqual([
      ['x-ratelimit-limit-requests', '50'],
      ['x-ratelimit-remaining-requests', '0'],
      ['x-ratelimit-reset-requests', '6s'],
    ])
  })
})

describe('retryAfterSeconds', () => {
  it('should round up to whole seconds and never say 0', () => {
    expect(retryAfterSeconds(0)).toBe(1)
    expect(retryAfterSeconds(1001)).toBe(2)
  })
})
