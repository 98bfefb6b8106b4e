import type { CounterAdd, RedisEndpoint, TakeResult } from '../policy'
import { RedisClient } from './redis-client'
import type { RespValue } from './resp'
import { RespError } from './resp'
import type { LimitStore } from './store'

/**
 * Counters in Redis, shared by every process and instance. Each call is one Lua script, which
 * Redis runs atomically: no other command interleaves between the read and the increment.
 * https://redis.io/docs/latest/develop/interactive/programmability/eval-intro/
 * Keys expire with their window (PEXPIRE on creation), so Redis holds only live counters.
 */

/** KEYS: counters. ARGV: limit, windowMs, cost for each. Returns admitted, then value and ttl per key. */
const TAKE_SCRIPT = `
local admitted = 1
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[3 * i - 2]) then admitted = 0 end
end
local out = { admitted }
for i = 1, #KEYS do
  local cost = tonumber(ARGV[3 * i])
  if admitted == 1 and cost > 0 then
    redis.call('INCRBY', KEYS[i], cost)
    if redis.call('PTTL', KEYS[i]) == -1 then redis.call('PEXPIRE', KEYS[i], ARGV[3 * i - 1]) end
  end
  local ttl = redis.call('PTTL', KEYS[i])
  out[#out + 1] = tonumber(redis.call('GET', KEYS[i]) or '0')
  out[#out + 1] = ttl > 0 and ttl or 0
end
return out
`

/** KEYS: counters. ARGV: amount, windowMs for each. */
const ADD_SCRIPT = `
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i], ARGV[2 * i - 1])
  if redis.call('PTTL', KEYS[i]) == -1 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i]) end
end
return #KEYS
`

/** How long a request may wait for Redis, connecting included (docs/limits.md). */
export const REDIS_TIMEOUT_MS = 500
/** After a failure, commands fail at once for this long instead of each waiting the timeout. */
export const REDIS_RETRY_DELAY_MS = 1000

export interface RedisStoreOptions {
  readonly timeoutMs?: number
  readonly retryDelayMs?: number
}

export function createRedisStore(endpoint: RedisEndpoint, options: RedisStoreOptions = {}): LimitStore {
  const client = new RedisClient({
    endpoint,
    timeoutMs: options.timeoutMs ?? REDIS_TIMEOUT_MS,
    retryDelayMs: options.retryDelayMs ?? REDIS_RETRY_DELAY_MS,
  })
  const take = script(client, TAKE_SCRIPT)
  const add = script(client, ADD_SCRIPT)
  return {
    label: 'redis',
    async take(counters) {
      if (counters.length === 0) return { admitted: true, counters: [] }
      const args = counters.flatMap((c) => [c.limit, Math.max(1, Math.ceil(c.windowMs)), c.cost])
      return toTakeResult(
        await take(
          counters.map((c) => c.key),
          args,
        ),
      )
    },
    async add(adds: readonly CounterAdd[]) {
      const live = adds.filter((a) => a.amount > 0)
      if (live.length === 0) return
      await add(
        live.map((a) => a.key),
        live.flatMap((a) => [Math.ceil(a.amount), Math.max(1, Math.ceil(a.windowMs))]),
      )
    },
    close: () => client.close(),
  }
}

/** EVALSHA, and EVAL once when Redis does not know the script (first use, or after a restart). */
function script(client: RedisClient, source: string) {
  let sha: string | undefined
  return async (keys: readonly string[], args: readonly number[]): Promise<RespValue> => {
    // node:crypto is imported when first needed: a static import would load it in every bundle.
    sha ??= (await import('node:crypto')).createHash('sha1').update(source).digest('hex')
    try {
      return await client.command(['EVALSHA', sha, keys.length, ...keys, ...args])
    } catch (error) {
      if (!(error instanceof RespError) || !error.message.startsWith('NOSCRIPT')) throw error
      return client.command(['EVAL', source, keys.length, ...keys, ...args])
    }
  }
}

function toTakeResult(reply: RespValue): TakeResult {
  if (!Array.isArray(reply) || reply.length % 2 !== 1)
    throw new Error('redis answered the limit script oddly')
  const numbers = reply.map(Number)
  const counters = []
  for (let i = 1; i < numbers.length; i += 2) counters.push({ value: numbers[i]!, resetMs: numbers[i + 1]! })
  return { admitted: numbers[0] === 1, counters }
}
