import type { LoadedProxy } from '../../core/engines/fetch'
import { loadFetchProxy } from '../../core/engines/fetch'
import { createLimiter } from '../../core/limits/limiter'
import { WORKERS_DEFAULTS } from './defaults'
import { openWorkerLimitStore } from './open-limit-store'
import { toEnvRecord } from './to-env-record'

export type { LoadedProxy } from '../../core/engines/fetch'

export interface LoadProxyOptions {
  /** Where log lines go; Workers Logs and `wrangler tail` collect console.log. */
  readonly write?: (line: string) => void
}

/**
 * Bindings are fixed for an isolate's life, and Workers hands every request the same env object,
 * so the config is parsed once per env and a bad value is reported once, not per request.
 */
const LOADED = new WeakMap<object, LoadedProxy>()

/** The proxy for these bindings, or the config error every request should be answered with. */
export function loadProxy(bindings: object, options: LoadProxyOptions = {}): LoadedProxy {
  const cached = LOADED.get(bindings)
  if (cached) return cached
  const write = options.write ?? writeConsole
  const loaded = createProxy(bindings, write)
  LOADED.set(bindings, loaded)
  return loaded
}

function createProxy(bindings: object, write: (line: string) => void): LoadedProxy {
  return loadFetchProxy(toEnvRecord(bindings), WORKERS_DEFAULTS, write, {
    openLimiter: (config, log) => createLimiter({ config, store: openWorkerLimitStore(bindings), log }),
    inBandStreamErrors: true,
  })
}

function writeConsole(line: string): void {
  console.log(line)
}
