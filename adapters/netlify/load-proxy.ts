import type { AccessLogEntry, ConfigError, Env, PlatformDefaults, ProxyConfig } from '../../core'
import { configErrorReply, formatAccessLog, loadConfig } from '../../core'
import type { FetchProxy } from '../../core/engines/fetch'
import { createFetchProxy, toResponse } from '../../core/engines/fetch'
import { createLimiter } from '../../core/limits/limiter'
import { createMemoryStore } from '../../core/limits/memory-store'

export type LoadedProxy =
  | { readonly kind: 'ready'; readonly config: ProxyConfig; readonly proxy: FetchProxy }
  | { readonly kind: 'invalid'; readonly error: ConfigError }

/**
 * Parses the environment into a fetch proxy, or keeps the config error to answer every request
 * with, reported once. The environment is fixed for an isolate's life, so callers load once.
 */
export function loadProxy(env: Env, defaults: PlatformDefaults, write: (line: string) => void): LoadedProxy {
  const loaded = loadConfig(env, defaults)
  if (!loaded.ok) {
    write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: loaded.error.message }))
    return { kind: 'invalid', error: loaded.error }
  }
  const config = loaded.config
  const onLog = config.log === 'off' ? undefined : (entry: AccessLogEntry) => write(formatAccessLog(entry))
  // No Redis client on this runtime: limits count per isolate (docs/limits.md).
  const limiter =
    config.limits &&
    createLimiter({
      config: config.limits,
      store: createMemoryStore(),
      log: (level, msg) =>
        config.log !== 'off' && write(JSON.stringify({ time: new Date().toISOString(), level, msg })),
    })
  return { kind: 'ready', config, proxy: createFetchProxy(config, { onLog, limiter }) }
}

/** The proxy's answer, or the OpenAI-shaped 500 that names the bad variable. */
export function answer(loaded: LoadedProxy, request: Request): Promise<Response> | Response {
  if (loaded.kind === 'ready') return loaded.proxy.fetch(request)
  return toResponse(configErrorReply(loaded.error, new URL(request.url).pathname))
}
