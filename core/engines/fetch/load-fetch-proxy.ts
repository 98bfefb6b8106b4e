import type { Limiter } from '../../limits/limiter'
import type {
  AccessLogEntry,
  ConfigError,
  Env,
  LimitsConfig,
  PlatformDefaults,
  ProxyConfig,
} from '../../policy'
import { configErrorReply, formatAccessLog, loadConfig } from '../../policy'
import type { FetchProxy } from './fetch-proxy'
import { createFetchProxy } from './fetch-proxy'
import { toResponse } from './to-response'

export type LoadedProxy =
  | { readonly kind: 'ready'; readonly config: ProxyConfig; readonly proxy: FetchProxy }
  | { readonly kind: 'invalid'; readonly error: ConfigError }

/** Where a platform keeps limit counters: its own store, or per isolate. */
export type OpenLimiter = (
  config: LimitsConfig,
  log: (level: 'warn' | 'info', msg: string) => void,
) => Limiter

export interface LoadFetchProxyOptions {
  readonly openLimiter: OpenLimiter
  /** workerd ends an errored body cleanly (cloudflare/workerd#6818): say so inside the stream. */
  readonly inBandStreamErrors?: boolean
}

/**
 * Parses the environment into a fetch proxy, or keeps the config error to answer every request
 * with, reported once. The environment is fixed for an isolate's life, so callers load once.
 */
export function loadFetchProxy(
  env: Env,
  defaults: PlatformDefaults,
  write: (line: string) => void,
  options: LoadFetchProxyOptions,
): LoadedProxy {
  const loaded = loadConfig(env, defaults)
  if (!loaded.ok) {
    write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: loaded.error.message }))
    return { kind: 'invalid', error: loaded.error }
  }
  const config = loaded.config
  const onLog = config.log === 'off' ? undefined : (entry: AccessLogEntry) => write(formatAccessLog(entry))
  const limiter =
    config.limits &&
    options.openLimiter(
      config.limits,
      (level, msg) =>
        config.log !== 'off' && write(JSON.stringify({ time: new Date().toISOString(), level, msg })),
    )
  const proxy = createFetchProxy(config, { onLog, limiter, inBandStreamErrors: options.inBandStreamErrors })
  return { kind: 'ready', config, proxy }
}

/** The proxy's answer, or the OpenAI-shaped 500 that names the bad variable. */
export function answer(loaded: LoadedProxy, request: Request): Promise<Response> | Response {
  if (loaded.kind === 'ready') return loaded.proxy.fetch(request)
  return toResponse(configErrorReply(loaded.error, new URL(request.url).pathname))
}
