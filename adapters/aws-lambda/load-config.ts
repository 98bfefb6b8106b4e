import type { Env, LoadedConfig, PlatformDefaults } from '../../core'
import { loadConfig as loadWithDefaults } from '../../core'

/**
 * Lambda refuses invocation payloads over 6 MB anyway (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
 * saying so in OpenAI's shape beats a bare gateway error for a request that got that far.
 */
export const LAMBDA_DEFAULTS: PlatformDefaults = { maxBodyBytes: 6 * 1024 * 1024 }

/** The function's environment, parsed once per cold start; a bad value is answered per request. */
export function loadConfig(env: Env): LoadedConfig {
  return loadWithDefaults(env, LAMBDA_DEFAULTS)
}
