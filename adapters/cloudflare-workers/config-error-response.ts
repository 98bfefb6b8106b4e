import type { ConfigError } from '../../core'
import { errorReply } from '../../core'
import { toResponse } from '../../core/engines/fetch'

/**
 * Without a valid config there is no CORS setting to obey (OXY_CORS_ORIGINS may be the bad value),
 * so any origin may read the error: it names a variable, never a secret, and a browser client
 * that cannot read it shows only "network error".
 */
const CONFIG_ERROR_CORS: [string, string][] = [['Access-Control-Allow-Origin', '*']]

/** The OpenAI-shaped 500 that names the bad variable, sent for every request until it is fixed. */
export function toConfigErrorResponse(error: ConfigError, request: Request): Response {
  return toResponse(errorReply(error, CONFIG_ERROR_CORS, new URL(request.url).pathname))
}
