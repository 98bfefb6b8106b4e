import type { OxyError } from '../../policy'
import { toErrorBody } from '../../policy'

const encoder = new TextEncoder()

/**
 * The last event of an SSE stream that broke, for runtimes that cannot cut a response (workerd
 * ends an errored body cleanly: cloudflare/workerd#6818). OpenAI's SDKs raise an event whose
 * data holds `error` as an APIError, and it carries no `[DONE]`, so a cut answer is never taken
 * for a complete one.
 */
export function inBandErrorEvent(error: OxyError): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(toErrorBody(error))}\n\n`)
}
