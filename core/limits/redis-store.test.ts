import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RedisServer } from '../../test/redis-server'
import { hasRedisServer, startRedisServer } from '../../test/redis-server'
import type { Counter, LimitsConfig } from '../policy'
import { parseLimitsConfig, parseRedisUrl } from '../policy'
import { createLimiter } from './limiter'
import { RedisClient } from './redis-client'
import { createRedisStore } from './redis-store'
import type { LimitStore } from './store'

const TSX = createRequire(import.meta.url).resolve('tsx')
const CHILD = new URL('../../test/limits-child.ts', import.meta.url).pathname
/** The limiter's bound is 500 ms; the margin covers a busy shared machine, not a target. */
const BOUND_WITH_MARGIN_MS = 2000

const rpm = (key: string, limit: number): Counter => ({ key, limit, windowMs: 60_000, cost: 1 })

describe.skipIf(!hasRedisServer())('createRedisStore on a real redis-server', () => {
  let redis: RedisServer
  const stores: LimitStore[] = []
  const open = (url = redis.url(), options = {}) => {
    const store = createRedisStore(parseRedisUrl('OXY_REDIS_URL', url), options)
    stores.push(store)
    return store
  }
  const raw = (args: (string | number)[], url = redis.url()) => {
    const client = new RedisClient({ endpoint: parseRedisUrl('url', url), timeoutMs: 2000, retryDelayMs: 0 })
    return client.command(args).finally(() => client.close())
  }

  beforeAll(async () => {
    redis = await startRedisServer({
      password: 'default-pass',
      users: ['alice on >alice-pass ~* +@all'],
    })
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()))
  })
  afterAll(async () => {
    await redis?.stop()
  })

  const url = () => redis.url({ password: 'default-pass' })

  it('should admit exactly 50 of 200 concurrent requests against rpm 50', async () => {
    const store = open(url())
    const results = await Promise.all(Array.from({ length: 200 }, () => store.take([rpm('exact', 50)])))
    expect(results.filter((result) => result.admitted)).toHaveLength(50)
    const last = await store.take([rpm('exact', 50)])
    expect(last.counters[0]?.value).toBe(50)
    expect(last.counters[0]?.resetMs).toBeGreaterThan(0)
    expect(last.counters[0]?.resetMs).toBeLessThanOrEqual(60_000)
  })

  it('should share one counter between two processes', async () => {
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', TSX, CHILD, url(), 'two-procs', '50', '100'], {
        timeout: 30_000,
      })
    const [a, b] = await Promise.all([run(), run()])
    // Two separate counters would have admitted 100.
    expect(Number(a.stdout) + Number(b.stdout)).toBe(50)
    expect((await open(url()).take([rpm('two-procs', 50)])).counters[0]?.value).toBe(50)
  })

  it('should keep the counts when oxy restarts, and let every key expire with its window', async () => {
    const first = open(url())
    await first.take([rpm('restart', 10)])
    await first.add([{ key: 'restart:tpm', amount: 700, windowMs: 60_000 }])
    await first.close()
    const second = open(url())
    const after = await second.take([
      rpm('restart', 10),
      { key: 'restart:tpm', limit: 1000, windowMs: 60_000, cost: 0 },
    ])
    expect(after.counters.map((c) => c.value)).toEqual([2, 700])
    for (const key of ['restart', 'restart:tpm']) {
      const ttl = await raw(['PTTL', key], url())
      expect(ttl).toBeGreaterThan(0)
    }
  })

  it('should log in with an ACL user and pick the database from the URL', async () => {
    const store = open(redis.url({ user: 'alice', password: 'alice-pass', db: 3 }))
    await store.take([rpm('in-db-3', 5)])
    expect(await raw(['EXISTS', 'in-db-3'], redis.url({ password: 'default-pass', db: 3 }))).toBe(1)
    expect(await raw(['EXISTS', 'in-db-3'], redis.url({ password: 'default-pass', db: 0 }))).toBe(0)
  })

  it('should fail a wrong password with Redis own words, never the password', async () => {
    const store = open(redis.url({ user: 'alice', password: 'not-her-pass' }))
    const error = await store.take([rpm('denied', 5)]).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/refused the login: WRONGPASS/)
    expect((error as Error).message).not.toContain('not-her-pass')
  })

  it('should pass requests (open) and log the failure with "redis" in it, never the password', async () => {
    const lines: string[] = []
    const config = parseLimitsConfig({
      OXY_KEY_RULES: '{"*":{"rpm":1}}',
      OXY_REDIS_URL: redis.url({ user: 'alice', password: 'not-her-pass' }),
    })!
    const store = createRedisStore(config.redis!)
    stores.push(store)
    const limiter = createLimiter({ config, store, log: (level, msg) => lines.push(`${level} ${msg}`) })
    expect(await limiter.admit('alice')).toBeUndefined()
    expect(await limiter.admit('alice')).toBeUndefined()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(
      `limits store (redis) failed: redis://127.0.0.1:${redis.port}/0: redis refused the login`,
    )
    expect(lines[0]).not.toContain('not-her-pass')
  })
})

describe.skipIf(!hasRedisServer())('createLimiter when redis fails and comes back', () => {
  let redis: RedisServer
  let limiter: ReturnType<typeof createLimiter> | undefined
  const lines: string[] = []

  const start = (mode: 'open' | 'closed') => {
    const config: LimitsConfig = parseLimitsConfig({
      OXY_KEY_RULES: '{"alice":{"rpm":3}}',
      OXY_REDIS_URL: redis.url(),
      OXY_LIMITS_ON_STORE_ERROR: mode,
    })!
    const store = createRedisStore(config.redis!, { retryDelayMs: 200 })
    limiter = createLimiter({ config, store, log: (level, msg) => lines.push(`${level} ${msg}`) })
    return limiter
  }
  const timed = async <T>(run: () => T | Promise<T>) => {
    const started = performance.now()
    const value = await run()
    return { value, ms: performance.now() - started }
  }

  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterEach(async () => {
    lines.length = 0
    redis.resume()
    await limiter?.close()
    await redis.restart()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('should pass requests uncounted while redis is dead (open), log it once, and count again when it is back', async () => {
    const limits = start('open')
    expect(await limits.admit('alice')).toBeUndefined()
    await redis.kill()
    for (let i = 0; i < 5; i++) {
      const { value, ms } = await timed(() => limits.admit('alice'))
      expect(value).toBeUndefined()
      expect(ms).toBeLessThan(BOUND_WITH_MARGIN_MS)
    }
    expect(lines.filter((line) => line.includes('redis'))).toHaveLength(1)
    expect(lines[0]).toMatch(/^warn limits store \(redis\) failed: .*requests pass uncounted/)
    await redis.restart()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const after = await Promise.all(Array.from({ length: 5 }, () => limits.admit('alice')))
    expect(after.filter((refusal) => refusal === undefined)).toHaveLength(3)
    expect(after.find((refusal) => refusal !== undefined)?.error.code).toBe('rate_limit_exceeded')
    expect(lines.at(-1)).toBe('info limits store (redis) answers again; counting resumed')
  })

  it('should answer 503 while redis does not answer (closed), within the bound', async () => {
    const limits = start('closed')
    expect(await limits.admit('alice')).toBeUndefined()
    redis.pause()
    const { value, ms } = await timed(() => limits.admit('alice'))
    expect(value?.error.code).toBe('limits_store_unavailable')
    expect(value?.error.status).toBe(503)
    expect(ms).toBeLessThan(BOUND_WITH_MARGIN_MS)
    // The stalled connection is dropped: the next request fails fast instead of queueing behind it.
    const next = await timed(() => limits.admit('alice'))
    expect(next.value?.error.code).toBe('limits_store_unavailable')
    expect(lines.filter((line) => line.includes('redis'))).toHaveLength(1)
    redis.resume()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await limits.admit('alice')).toBeUndefined()
  })
})
