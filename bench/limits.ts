import { createLimiter } from '../core/limits/limiter'
import { createMemoryStore } from '../core/limits/memory-store'
import { createRedisStore } from '../core/limits/redis-store'
import type { LimitStore } from '../core/limits/store'
import { parseLimitsConfig, parseRedisUrl } from '../core/policy'
import { hasRedisServer, startRedisServer } from '../test/redis-server'

/**
 * `npx tsx bench/limits.ts`: what the limiter costs per request, one admit before the upstream
 * and one record after it, with counters in the process and in a local redis-server (loopback,
 * one pipelined connection). Until the limiter sits in the request path (issue 14's wiring), this
 * is the number to set against the proxy's own requests per second. Bounded in count and time.
 */

const PAIRS = 40_000
const CONCURRENCY = 50
const KEYS = 20
const TIME_LIMIT_MS = 60_000

async function measure(store: LimitStore): Promise<number> {
  const config = parseLimitsConfig({
    OXY_KEY_RULES: JSON.stringify({ '*': { rpm: 1e12, tpm: 1e12, tokens_per_day: 1e12 } }),
  })!
  const limiter = createLimiter({
    config,
    store,
    log: (level, msg) => process.stderr.write(`${level} ${msg}\n`),
  })
  const run = async (count: number) => {
    let next = 0
    const deadline = performance.now() + TIME_LIMIT_MS
    const worker = async () => {
      while (next < count && performance.now() < deadline) {
        const key = `key-${next++ % KEYS}`
        await limiter.admit(key)
        await limiter.record(key, 100)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    return next
  }
  await run(PAIRS / 10)
  const started = performance.now()
  const done = await run(PAIRS)
  const perSecond = done / ((performance.now() - started) / 1000)
  await limiter.close()
  return perSecond
}

async function main(): Promise<void> {
  const rows: [string, number][] = [['in-process (memory)', await measure(createMemoryStore())]]
  if (hasRedisServer()) {
    const redis = await startRedisServer()
    try {
      rows.push([
        'redis-server on loopback',
        await measure(createRedisStore(parseRedisUrl('url', redis.url()))),
      ])
    } finally {
      await redis.stop()
    }
  }
  process.stdout.write(`| store | admit + record per second (concurrency ${CONCURRENCY}) |\n| --- | --- |\n`)
  for (const [name, rate] of rows)
    process.stdout.write(`| ${name} | ${Math.round(rate).toLocaleString('en')} |\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
