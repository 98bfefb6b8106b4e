import type { LimitsConfig } from '../policy'
import type { Limiter } from './limiter'

type Log = (level: 'warn' | 'info', msg: string) => void

/**
 * The limiter for a config that sets limits, from the limits chunk: the build turns this import
 * into `require('./oxy-limits.cjs')` (build/targets.ts), so the code is read only when called.
 * The chunk carries its own copy of the policy it uses: what it returns is plain data
 * (Refusal's error is read for its status, code and message, never checked with instanceof).
 */
export async function loadLimiter(config: LimitsConfig, log: Log): Promise<Limiter> {
  const { startLimiter } = await import('./limits-chunk')
  return startLimiter(config, log)
}

/**
 * A limiter to hand an engine at once, for adapters that cannot wait at start (a Lambda module
 * loads synchronously): the chunk is loaded by the first request that needs it. Once it is
 * loaded, calls go straight to it: a store in this process's memory then answers at once, with
 * no promise per request (an async wrapper cost ~24k instructions a request, callgrind).
 */
export function createLazyLimiter(config: LimitsConfig, log: Log): Limiter {
  let loaded: Limiter | undefined
  let loading: Promise<Limiter> | undefined
  const load = () => {
    loading ??= loadLimiter(config, log).then((limiter) => {
      loaded = limiter
      return limiter
    })
    return loading
  }
  return {
    admit: (keyName) => (loaded ? loaded.admit(keyName) : load().then((limiter) => limiter.admit(keyName))),
    record: (keyName, tokens) =>
      loaded ? loaded.record(keyName, tokens) : load().then((limiter) => limiter.record(keyName, tokens)),
    close: async () => {
      if (loading) await (await loading).close()
    },
  }
}
