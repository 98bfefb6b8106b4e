import type { ForwardPlan, LocalReply } from '../policy'
import { bodyTooLarge, concatBytes, OxyError } from '../policy'

/**
 * Collects a request body that must be read whole before anything is sent (to choose the
 * upstream path from it). `add` returns the error once the body is over `maxBytes`.
 */
export function collectBody(maxBytes: number): {
  add(chunk: Uint8Array): OxyError | undefined
  bytes(): Uint8Array
} {
  const chunks: Uint8Array[] = []
  let size = 0
  return {
    add(chunk) {
      size += chunk.byteLength
      if (size > maxBytes) return bodyTooLarge(maxBytes)
      chunks.push(chunk)
      return undefined
    },
    bytes: () => concatBytes(chunks, size),
  }
}

/** The request body ended before its declared end: the client's doing, not the upstream's. */
export function bodyIncomplete(cause: unknown): OxyError {
  return new OxyError('request_body_incomplete', 'The request body ended before it was complete.', { cause })
}

/** The plan with the path its body chose, or the reply the body earned (an unknown model). */
export function choosePath(plan: ForwardPlan, body: Uint8Array): ForwardPlan | LocalReply {
  const chosen = plan.choosePathByBody?.choose(body) ?? plan.upstreamPath
  return typeof chosen === 'string' ? { ...plan, upstreamPath: chosen } : chosen
}
