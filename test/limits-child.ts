import { createRedisStore } from '../core/limits/redis-store'
import { parseRedisUrl } from '../core/policy'

/**
 * A second process for the shared-counter tests: `tsx test/limits-child.ts <redis-url> <key> <rpm> <hits>`
 * fires <hits> concurrent requests at one rpm counter and prints how many were admitted.
 */
const [url = '', key = '', limit = '0', hits = '0'] = process.argv.slice(2)
const store = createRedisStore(parseRedisUrl('url', url))
const counter = { key, limit: Number(limit), windowMs: 60_000, cost: 1 }
const results = await Promise.all(Array.from({ length: Number(hits) }, () => store.take([counter])))
process.stdout.write(`${results.filter((result) => result.admitted).length}\n`)
await store.close()
