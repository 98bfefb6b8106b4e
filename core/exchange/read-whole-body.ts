import type { ForwardPlan, LocalReply } from '../policy'
import { bodyTooLarge, OxyError } from '../policy'

/**
 * Collects a request body that must be read whole before anything is sent (to choose the
 * upstream path from it), refusing more than `maxBytes`.
 */
export class BodyCollector {
  readonly #maxBytes: number
  readonly #chunks: Uint8Array[] = []
  #size = 0

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  /** Adds a chunk; returns the error once the body is over the limit. */
  add(chunk: Uint8Array): OxyError | undefined {
    this.#size += chunk.byteLength
    if (this.#size > this.#maxBytes) return bodyTooLarge(this.#maxBytes)
    this.#chunks.push(chunk)
    return undefined
  }

  bytes(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0]!
    const body = new Uint8Array(this.#size)
    let offset = 0
    for (const chunk of this.#chunks) {
      body.set(chunk, offset)
      offset += chunk.byteLength
    }
    return body
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
