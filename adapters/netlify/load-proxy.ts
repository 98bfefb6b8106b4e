import type { AccessLogEntry, Env, PlatformDefaults, ProxyConfig } from '../../core'
import { ConfigError, errorReply, formatAccessLog, parseConfig } from '../../core'
import type { FetchProxy } from '../../core/engines/fetch'
import { createFetchProxy, toResponse } from '../../core/engines/fetch'

export type LoadedProxy =
  | { readonly kind: 'ready'; readonly config: ProxyConfig; readonly proxy: FetchProxy }
  | { readonly kind: 'invalid'; readonly error: ConfigError }

/**
 * Without a valid config there is no CORS setting to obey (OXY_CORS_ORIGINS may be the bad value),
 * so any origin may read the error: it names a variable, never a secret.
 */
const CONFIG_ERROR_CORS: [string, string][] = [['Access-Control-Allow-Origin', '*']]

/**
 * Parses the environment into a fetch proxy, or keeps the config error to answer every request
 * with, reported once. The environment is fixed for an isolate's life, so callers load once.
 */
export function loadProxy(env: Env, defaults: PlatformDefaults, write: (line: string) => void): LoadedProxy {
  let config: ProxyConfig
  try {
    config = parseConfig(env, defaults)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: error.message }))
    return { kind: 'invalid', error }
  }
  const onLog = config.log === 'off' ? undefined : (entry: AccessLogEntry) => write(formatAccessLog(entry))
  return { kind: 'ready', config, proxy: createFetchProxy(config, { onLog }) }
}

/** The proxy's answer, or the OpenAI-shaped 500 that names the bad variable. */
export function answer(loaded: LoadedProxy, request: Request): Promise<Response> | Response {
  if (loaded.kind === 'ready') return loaded.proxy.fetch(request)
  return toResponse(errorReply(loaded.error, CONFIG_ERROR_CORS, new URL(request.url).pathname))
}
