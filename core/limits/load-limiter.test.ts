import { describe, expect, it } from 'vitest'
import { parseLimitsConfig } from '../policy'
import { createLazyLimiter } from './load-limiter'

function lazyLimiterFor(rules: object) {
  const config = parseLimitsConfig({ OXY_KEY_RULES: JSON.stringify(rules) })!
  return createLazyLimiter(config, () => {})
}

describe('createLazyLimiter', () => {
  it('should make the first request wait for the limits chunk and count it', async () => {
    const limiter = lazyLimiterFor({ alice: { rpm: 1 } })
    const first = limiter.admit('alice')
    expect(first).toBeInstanceOf(Promise)
    expect(await first).toBeUndefined()
    expect((await limiter.admit('alice'))?.error.code).toBe('rate_limit_exceeded')
    await limiter.close()
  })

  it('should answer at once, without a promise, once the chunk is loaded', async () => {
    // The self-hosted server asks this limiter for every forwarded request (docs/benchmarks.md).
    const limiter = lazyLimiterFor({ alice: { rpm: 2, tokens_per_day: 100 } })
    await limiter.admit('alice')
    const second = limiter.admit('alice')
    expect(second).not.toBeInstanceOf(Promise)
    expect(second).toBeUndefined()
    expect(limiter.record('alice', 150)).not.toBeInstanceOf(Promise)
    const third = limiter.admit('alice')
    expect(third).not.toBeInstanceOf(Promise)
    expect((third as Awaited<typeof third>)?.error.code).toBe('token_budget_exhausted')
    await limiter.close()
  })
})
