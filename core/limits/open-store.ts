import type { LimitsConfig } from '../policy'
import { createMemoryStore } from './memory-store'
import type { LimitStore } from './store'

/**
 * The store the config asks for, on Node. The Redis client is imported only when OXY_REDIS_URL
 * is set, so a proxy without Redis never evaluates it (cold start on 128 MB functions).
 */
export async function openLimitStore(config: LimitsConfig): Promise<LimitStore> {
  if (!config.redis) return createMemoryStore()
  const { createRedisStore } = await import('./redis-store')
  return createRedisStore(config.redis)
}
