import type { Env } from '../../core'

/**
 * Worker bindings as the plain record parseConfig reads. Text vars arrive as strings; a var
 * written unquoted in wrangler.toml (`OXY_IDLE_TIMEOUT_MS = 30000`) arrives as a JSON number and
 * would otherwise be silently ignored. KV namespaces, secrets stores and other object bindings
 * are not configuration and are skipped.
 * https://developers.cloudflare.com/workers/configuration/environment-variables/
 */
export function toEnvRecord(bindings: object): Env {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(bindings)) {
    if (typeof value === 'string') env[name] = value
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean')
      env[name] = String(value)
  }
  return env
}
