import { configErrorReply } from '../../core'
import { toResponse } from '../../core/engines/fetch'
import { loadProxy } from './load-proxy'

/**
 * The Worker: bundled into the single worker.js users paste into the dashboard editor or deploy
 * with `wrangler deploy`. Configuration comes from the Worker's variables (env bindings).
 * https://developers.cloudflare.com/workers/runtime-apis/handlers/fetch/
 */
export default {
  fetch(request: Request, env: object): Promise<Response> | Response {
    const loaded = loadProxy(env)
    return loaded.kind === 'ready'
      ? loaded.proxy.fetch(request)
      : toResponse(configErrorReply(loaded.error, new URL(request.url).pathname))
  },
}
