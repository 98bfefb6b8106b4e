import type { LoadedProxy } from '../../core/engines/fetch'
import { answer, loadFetchProxy } from '../../core/engines/fetch'
import { openIsolateLimiter } from '../../core/limits/isolate-limiter'
import { DENO_DEFAULTS } from './defaults'
import { readDenoEnv } from './read-deno-env'

let loaded: LoadedProxy | undefined

/**
 * main.js in deno.zip: `deno serve --allow-net --allow-env main.js` locally, the app's entry
 * point on Deno Deploy. Both call the default export's fetch for every request.
 * https://docs.deno.com/runtime/reference/cli/serve/
 */
export default {
  fetch(request: Request): Promise<Response> | Response {
    loaded ??= loadFetchProxy(readDenoEnv(writeConsole), DENO_DEFAULTS, writeConsole, {
      openLimiter: openIsolateLimiter,
    })
    return answer(loaded, request)
  },
}

/** Deno Deploy's logs, and the terminal under `deno serve`, collect console output. */
function writeConsole(line: string): void {
  console.log(line)
}
