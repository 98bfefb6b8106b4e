import type { Env } from '../../core'

interface EnvSource {
  readonly env: { toObject(): Record<string, string> }
}

/**
 * The site's environment variables. Edge Functions read them through the Netlify global
 * (Netlify.env); Deno.env is the fallback for runtimes that only have that.
 * https://docs.netlify.com/build/edge-functions/api/#netlify-global-object
 */
export function readNetlifyEnv(): Env {
  const scope = globalThis as { Netlify?: EnvSource; Deno?: EnvSource }
  return (scope.Netlify ?? scope.Deno)?.env.toObject() ?? {}
}
