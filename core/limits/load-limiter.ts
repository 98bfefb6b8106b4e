import type { LimitsConfig } from '../policy'
import type { Limiter } from './limiter'

/**
 * The limiter for a config that sets limits, from the limits chunk: the build turns this import
 * into `import('./oxy-limits.mjs')` (build/targets.ts), so the code is read only when called.
 * The chunk carries its own copy of the policy it uses: what it returns is plain data
 * (Refusal's error is read for its status, code and message, never checked with instanceof).
 */
export async function loadLimiter(
  config: LimitsConfig,
  log: (level: 'warn' | 'info', msg: string) => void,
): Promise<Limiter> {
  const { startLimiter } = await import('./limits-chunk')
  return startLimiter(config, log)
}
