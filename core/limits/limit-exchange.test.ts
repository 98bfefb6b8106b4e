import { describe, expect, it } from 'vitest'
import { parseLimitsConfig } from '../policy'
import { admitOrReply, recordUsage } from './limit-exchange'
import { createLimiter } from './limiter'
import { createMemoryStore } from './memory-store'

function limiterFor(rules: object) {
  const config = parseLimitsConfig({ OXY_KEY_RULES: JSON.stringify(rules) })!
  return createLimiter({ config, store: createMemoryStore(), log: () => {} })
}

describe('admitOrReply', () => {
  it('should let requests under the limit go on and answer the next with an OpenAI-shaped 429', async () => {
    const limiter = limiterFor({ alice: { rpm: 2 } })
    const cors: [string, string][] = [['Access-Control-Allow-Origin', '*']]
    expect(await admitOrReply(limiter, 'alice', cors, '/v1/chat/completions')).toBeUndefined()
    expect(await admitOrReply(limiter, 'alice', cors, '/v1/chat/completions')).toBeUndefined()
    const reply = await admitOrReply(limiter, 'alice', cors, '/v1/chat/completions')
    expect(reply?.status).toBe(429)
    expect(JSON.parse(reply?.body ?? '{}').error.code).toBe('rate_limit_exceeded')
    expect(reply?.headers).toContainEqual(['x-ratelimit-remaining-requests', '0'])
    expect(reply?.headers).toContainEqual(['Access-Control-Allow-Origin', '*'])
    expect(reply?.logPath).toBe('/v1/chat/completions')
  })

  it('should answer at once, without a promise, from counters in this process', () => {
    // Every forwarded request asks: a promise to wait on would cost each one a turn of the loop.
    const limiter = limiterFor({ alice: { rpm: 1 } })
    const first = admitOrReply(limiter, 'alice', [], '/v1/chat/completions')
    const second = admitOrReply(limiter, 'alice', [], '/v1/chat/completions')
    expect(first).toBeUndefined()
    expect(second).not.toBeInstanceOf(Promise)
    expect((second as { status: number } | undefined)?.status).toBe(429)
  })
})

describe('recordUsage', () => {
  it('should count prompt and completion tokens, so the request after the crossing one is refused', async () => {
    const limiter = limiterFor({ alice: { tokens_per_day: 100 } })
    expect(await admitOrReply(limiter, 'alice', [], '/v1/chat/completions')).toBeUndefined()
    recordUsage(limiter, { status: 200, key: 'alice', promptTokens: 60, completionTokens: 50 })
    await new Promise((resolve) => setImmediate(resolve))
    const reply = await admitOrReply(limiter, 'alice', [], '/v1/chat/completions')
    expect(JSON.parse(reply?.body ?? '{}').error).toMatchObject({
      code: 'token_budget_exhausted',
      message: expect.stringContaining('limit 100, used 110'),
    })
    // Another key is untouched.
    expect(await admitOrReply(limiter, 'bob', [], '/v1/chat/completions')).toBeUndefined()
  })
})
