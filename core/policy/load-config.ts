import type { Env, PlatformDefaults, ProxyConfig } from './config'
import { parseConfig } from './config'
import { ConfigError } from './errors'
import type { HeaderPair } from './header-list'
import type { LocalReply } from './plan-request'
import { errorReply } from './plan-request'

export type LoadedConfig =
  | { readonly ok: true; readonly config: ProxyConfig }
  | { readonly ok: false; readonly error: ConfigError }

/**
 * Without a valid config there is no CORS setting to obey (OXY_CORS_ORIGINS may be the bad value),
 * so any origin may read the error: it names a variable, never a secret, and a browser client
 * that cannot read it shows only "network error".
 */
const CONFIG_ERROR_CORS: readonly HeaderPair[] = [['Access-Control-Allow-Origin', '*']]

/**
 * Parses the environment once, at start. A bad value becomes a result, not a throw: each adapter
 * decides what a bad config means there (a server exits; a function answers every request with
 * `configErrorReply`, since a module that throws at load only shows clients a bare 502).
 */
export function loadConfig(env: Env, defaults: PlatformDefaults = {}): LoadedConfig {
  try {
    return { ok: true, config: parseConfig(env, defaults) }
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error }
    throw error
  }
}

/** The OpenAI-shaped 500 that names the bad variable, sent for every request until it is fixed. */
export function configErrorReply(error: ConfigError, logPath: string): LocalReply {
  return errorReply(error, CONFIG_ERROR_CORS, logPath)
}
