import type { AccessLogEntry, ConfigError, ProxyConfig } from '../../core'
import { formatAccessLog, loadConfig } from '../../core'
import type { FetchProxy } from '../../core/engines/fetch'
import { createFetchProxy } from '../../core/engines/fetch'
import { createLimiter } from '../../core/limits/limiter'
import { WORKERS_DEFAULTS } from './defaults'
import { openWorkerLimitStore } from './open-limit-store'
import { toEnvRecord } from './to-env-record'

export type LoadedProxy =
  | { readonly kind: 'ready'; readonly config: ProxyConfig; readonly proxy: FetchProxy }
  | { readonly kind: 'invalid'; readonly error: ConfigError }

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
  if (loaded.kind === 'invalid')
    write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: loaded.error.message }))
  LOADED.set(bindings, loaded)
  return loaded
}

function createProxy(bindings: object, write: (line: string) => void): LoadedProxy {
  const loaded = loadConfig(toEnvRecord(bindings), WORKERS_DEFAULTS)
  if (!loaded.ok) return { kind: 'invalid', error: loaded.error }
  const config = loaded.config
  const onLog = config.log === 'off' ? undefined : (entry: AccessLogEntry) => write(formatAccessLog(entry))
  const limiter =
    config.limits &&
    createLimiter({
      config: config.limits,
      store: openWorkerLimitStore(bindings),
      log: (level, msg) =>
        config.log !== 'off' && write(JSON.stringify({ time: new Date().toISOString(), level, msg })),
    })
  // workerd ends an errored body cleanly (cloudflare/workerd#6818): say so inside the stream.
  return {
    kind: 'ready',
    config,
    proxy: createFetchProxy(config, { onLog, inBandStreamErrors: true, limiter }),
  }
}

function writeConsole(line: string): void {
  console.log(line)
}
