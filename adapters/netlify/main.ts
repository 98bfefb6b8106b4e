import type { LoadedProxy } from '../../core/engines/fetch'
import { answer, loadFetchProxy } from '../../core/engines/fetch'
import { openIsolateLimiter } from '../../core/limits/isolate-limiter'
import { NETLIFY_DEFAULTS } from './defaults'
import { readNetlifyEnv } from './read-netlify-env'

let loaded: LoadedProxy | undefined

/**
 * netlify/edge-functions/oxy.js in netlify.zip: an Edge Function (Deno) on every path. Netlify
 * calls the default export with the Web Request and a context oxy does not need: the client's
 * address and location in it are exactly what must not travel upstream.
 * https://docs.netlify.com/build/edge-functions/api/
 */
export default function oxy(request: Request): Promise<Response> | Response {
  loaded ??= loadFetchProxy(readNetlifyEnv(), NETLIFY_DEFAULTS, writeConsole, {
    openLimiter: openIsolateLimiter,
  })
  return answer(loaded, request)
}

/** Every path, `/` included (URLPattern syntax). Declared here, not in netlify.toml, so it is declared once. */
export const config = { path: '/*' }

/** Netlify's edge function logs collect console output. */
function writeConsole(line: string): void {
  console.log(line)
}
