import type { LoadedProxy } from '../../core/engines/fetch'
import { answer, loadFetchProxy } from '../../core/engines/fetch'
import { createLazyLimiter } from '../../core/limits/load-limiter'
import { VERCEL_DEFAULTS } from './defaults'
import { restoreClientUrl } from './restore-client-url'

let loaded: LoadedProxy | undefined

/**
 * api/oxy.js in vercel.zip. Vercel's Node.js runtime calls the default export's fetch with a Web
 * Request and streams the Response back (the Web handler form; a default-exported function would
 * get Node's req/res instead). One instance serves many requests under Fluid compute, so the
 * config is read from process.env once.
 * https://vercel.com/docs/functions/functions-api-reference
 */
export default {
  fetch(request: Request): Promise<Response> | Response {
    loaded ??= loadFetchProxy(process.env, VERCEL_DEFAULTS, writeConsole, { openLimiter: createLazyLimiter })
    const url = restoreClientUrl(request.url)
    return answer(loaded, url === request.url ? request : new Request(url, request))
  },
}

/** Vercel's runtime logs (dashboard, `vercel logs`) collect console output. */
function writeConsole(line: string): void {
  console.log(line)
}
