import type { LimitsConfig } from '../policy'
import type { Limiter } from './limiter'
import { createLimiter } from './limiter'
import { openLimitStore } from './open-store'

/**
 * Everything limits need at run time, in one module that the Node zips carry as a file of its
 * own (oxy-limits.cjs; .js for Lambda): a proxy without limits never loads it, and
 * one without OXY_REDIS_URL never evaluates the Redis client inside it.
 */
export async function startLimiter(
  config: LimitsConfig,
  log: (level: 'warn' | 'info', msg: string) => void,
): Promise<Limiter> {
  return createLimiter({ config, store: await openLimitStore(config), log })
}
