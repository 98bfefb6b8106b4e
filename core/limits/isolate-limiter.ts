import type { LimitsConfig } from '../policy'
import type { Limiter } from './limiter'
import { createLimiter } from './limiter'
import { createMemoryStore } from './memory-store'

/** Counters in this isolate's memory, for runtimes without a shared store (docs/limits.md). */
export function openIsolateLimiter(
  config: LimitsConfig,
  log: (level: 'warn' | 'info', msg: string) => void,
): Limiter {
  return createLimiter({ config, store: createMemoryStore(), log })
}
