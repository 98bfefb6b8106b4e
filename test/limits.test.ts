import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from './fake-openai'
import { startFakeOpenAI } from './fake-openai'
import type { RedisServer } from './redis-server'
import { hasRedisServer, startRedisServer } from './redis-server'
import type { SpawnedMain } from './spawn-main'
import { killSpawned, spawnMain } from './spawn-main'

/**
 * Per-key limits end to end: self-hosted oxy processes (as `npm start` runs them) sharing one
 * real redis-server, the openai SDK as the client, a fake OpenAI that reports 10 tokens a request.
 */

const ALICE = 'alice-token-0123456789'
const BOB = 'bob-token-0123456789ab'
/** The limiter waits at most 500 ms for Redis; the margin is for a busy machine, not a target. */
const BOUND_WITH_MARGIN_MS = 2500

describe.skipIf(!hasRedisServer())('limits across oxy processes sharing one Redis', () => {
  let upstream: FakeOpenAI
  let redis: RedisServer

  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    redis = await startRedisServer()
  })
  afterEach(async () => {
    killSpawned()
    redis.resume()
    await redis.restart()
  })
  afterAll(async () => {
    await redis?.stop()
    await upstream?.close()
  })

  async function start(
    rules: object,
    env: Record<string, string> = {},
  ): Promise<{ url: string; main: SpawnedMain }> {
    const main = spawnMain({
      OXY_TARGET: upstream.url,
      OXY_ACCESS_KEYS: `alice:${ALICE},bob:${BOB}`,
      OXY_KEY_RULES: JSON.stringify(rules),
      OXY_REDIS_URL: redis.url(),
      ...env,
    })
    return { url: await main.listening(), main }
  }
  const client = (url: string, apiKey = ALICE) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 })
  const chat = (url: string, apiKey = ALICE) =>
    client(url, apiKey).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    })
  const outcome = (request: Promise<unknown>) =>
    request.then(
      () => 200,
      (error: unknown) => (error instanceof OpenAI.APIError ? (error.status ?? 0) : -1),
    )

  it('should enforce one rpm for two processes together, with OpenAI headers the SDK reads', async () => {
    const [a, b] = await Promise.all([start({ alice: { rpm: 3 } }), start({ alice: { rpm: 3 } })])
    expect(await outcome(chat(a.url))).toBe(200)
    expect(await outcome(chat(b.url))).toBe(200)
    expect(await outcome(chat(a.url))).toBe(200)
    const refused = await chat(b.url).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>
    expect(error.code).toBe('rate_limit_exceeded')
    expect(error.headers.get('x-ratelimit-limit-requests')).toBe('3')
    expect(error.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(error.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?s$/)
    expect(Number(error.headers.get('retry-after'))).toBeGreaterThan(0)
    // Bob has no rule of his own and there is no "*": no limit.
    expect(await outcome(chat(a.url, BOB))).toBe(200)
  })

  it('should admit exactly 50 of 200 concurrent requests against rpm 50', async () => {
    const { url } = await start({ '*': { rpm: 50 } })
    const statuses = await Promise.all(Array.from({ length: 200 }, () => outcome(chat(url))))
    expect(statuses.filter((status) => status === 200)).toHaveLength(50)
    expect(statuses.filter((status) => status === 429)).toHaveLength(150)
  })

  it('should count tokens from the upstream usage into one daily budget, kept across a restart', async () => {
    const rules = { alice: { tokens_per_day: 25 } }
    const a = await start(rules)
    expect(await outcome(chat(a.url))).toBe(200)
    // Tokens are added once the exchange has ended, just after the client has its answer.
    await new Promise((resolve) => setTimeout(resolve, 200))
    a.main.child.kill('SIGKILL')
    // A new process, as after a restart or on another instance: 10 tokens are already spent.
    const b = await start(rules)
    expect(await outcome(chat(b.url))).toBe(200)
    // 20 < 25: admitted, and it crosses the budget (30); the next is refused.
    expect(await outcome(chat(b.url))).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const refused = await chat(b.url).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>
    expect(error.code).toBe('token_budget_exhausted')
    expect(error.message).toContain('limit 25, used 30')
    expect(error.headers.get('x-should-retry')).toBe('false')
  })

  it('should pass requests while Redis is dead (open), log it once, and count again when it is back', async () => {
    const { url, main } = await start({ alice: { rpm: 2 } })
    expect(await outcome(chat(url))).toBe(200)
    await redis.kill()
    for (let i = 0; i < 4; i++) {
      const started = performance.now()
      expect(await outcome(chat(url))).toBe(200)
      expect(performance.now() - started).toBeLessThan(BOUND_WITH_MARGIN_MS)
    }
    const redisLines = () => main.lines.filter((line) => String(line.msg).includes('redis'))
    expect(redisLines()).toHaveLength(1)
    expect(redisLines()[0]).toMatchObject({ level: 'warn' })
    await redis.restart()
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const after = [await outcome(chat(url)), await outcome(chat(url)), await outcome(chat(url))]
    expect(after).toEqual([200, 200, 429])
    expect(String(redisLines().at(-1)?.msg)).toContain('counting resumed')
  })

  it('should answer 503 while Redis does not answer (closed), within the bound', async () => {
    const { url } = await start({ alice: { rpm: 100 } }, { OXY_LIMITS_ON_STORE_ERROR: 'closed' })
    expect(await outcome(chat(url))).toBe(200)
    redis.pause()
    const started = performance.now()
    const refused = await chat(url).catch((error: unknown) => error)
    expect(performance.now() - started).toBeLessThan(BOUND_WITH_MARGIN_MS)
    expect(refused).toBeInstanceOf(OpenAI.APIError)
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503)
    expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe('limits_store_unavailable')
    redis.resume()
  })
})
