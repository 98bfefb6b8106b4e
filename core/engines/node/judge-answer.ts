import type { Exchange } from '../../exchange'
import { ERROR_BODY_PEEK_BYTES, fromRawHeaders, getHeader } from '../../policy'
import { decodeBody } from './decode-body'
import type { ResponseHead } from './response-parser'
import type { UpstreamHandlers } from './upstream-exchange'

interface Peek {
  readonly head: ResponseHead
  readonly chunks: Buffer[]
  size: number
}

/**
 * Puts the gateway's judgement in front of the handlers that relay a response: a head another
 * key or target may answer better is held (with the start of its error body, when its code
 * matters) and either dropped for the next attempt (the current attempt aborted, the `next` made) or relayed as it came, bytes
 * unchanged. Nothing reaches the client before the judgement.
 */
export function judgeBeforeRelay(
  exchange: Exchange,
  relay: UpstreamHandlers,
  retry: () => void,
): UpstreamHandlers {
  let peek: Peek | undefined

  function decide(ended: boolean): void {
    const held = peek!
    peek = undefined
    const headers = fromRawHeaders(held.head.rawHeaders)
    const bytes = Buffer.concat(held.chunks)
    const encoding = getHeader(headers, 'content-encoding')?.trim().toLowerCase()
    const decoded = encoding && encoding !== 'identity' && ended ? decodeBody(bytes, encoding) : bytes
    if (exchange.judgeHead(held.head.status, headers, Buffer.from(decoded ?? []).toString('utf8'))) {
      retry()
      return
    }
    relay.onResponse(held.head)
    for (const chunk of held.chunks) relay.onData(chunk)
    if (ended) relay.onEnd()
  }

  return {
    onResponse(head) {
      if (exchange.wantsErrorBody(head.status)) {
        peek = { head, chunks: [], size: 0 }
        return
      }
      if (exchange.judgeHead(head.status, fromRawHeaders(head.rawHeaders))) retry()
      else relay.onResponse(head)
    },
    onData(chunk) {
      if (!peek) return relay.onData(chunk)
      // A copy: the socket's buffer may be reused once this handler returns.
      peek.chunks.push(Buffer.from(chunk))
      peek.size += chunk.length
      if (peek.size >= ERROR_BODY_PEEK_BYTES) decide(false)
    },
    onEnd() {
      if (peek) decide(true)
      else relay.onEnd()
    },
    onError(error) {
      peek = undefined
      relay.onError(error)
    },
    // Named, not spread: the relay's handlers may be methods on its prototype.
    onDrain: () => relay.onDrain?.(),
  }
}
