import type { Env, PlatformDefaults, ProxyConfig } from '../../core'
import { ConfigError, parseConfig } from '../../core'

/**
 * Lambda refuses invocation payloads over 6 MB anyway (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
 * saying so in OpenAI's shape beats a bare gateway error for a request that got that far.
 */
export const LAMBDA_DEFAULTS: PlatformDefaults = { maxBodyBytes: 6 * 1024 * 1024 }

export type LoadedConfig =
  | { readonly ok: true; readonly config: ProxyConfig }
  | { readonly ok: false; readonly error: ConfigError }

/**
 * Parses the function's environment once, at cold start. A bad value becomes a result instead of
 * a throw: a module that throws at load makes Lambda retry the cold start on every request and
 * clients see a bare 502, where an OpenAI-shaped 500 naming the variable tells them what to fix.
 */
export function loadConfig(env: Env): LoadedConfig {
  try {
    return { ok: true, config: parseConfig(env, LAMBDA_DEFAULTS) }
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, error }
    throw error
  }
}
