import type { ServerResponse } from 'node:http'
import type { Exchange } from '../../exchange'
import type { HeaderList } from '../../policy'
import { fromRawHeaders, isEventStream, toClientHeaders, toRawHeaders } from '../../policy'
import { decodeBody } from './decode-body'
import type { ResponseHead } from './response-parser'

export interface DeferredHead {
  /** The upstream's head arrived: an event stream's goes to the client at once, others wait. */
  received(head: ResponseHead): void
  /** Writes the waiting head, if any: called with the first body byte or the end. */
  write(): void
}

/**
 * Holds the client's response head until the first body byte, so that a body that breaks at
 * once (a malformed first chunk) still gets a 502: until the head is written the exchange has
 * not started the response. An SSE client should see the 200 at once, not with the first token.
 */
export function deferHead(res: ServerResponse, exchange: Exchange, corsHeaders: HeaderList): DeferredHead {
  let pending: (() => void) | undefined
  const write = () => {
    pending?.()
    pending = undefined
  }
  return {
    received(head) {
      const headers = fromRawHeaders(head.rawHeaders)
      exchange.upstreamResponded()
      const clientHeaders = toClientHeaders(headers, { bodyDecoded: false, corsHeaders })
      pending = () => {
        exchange.headReceived(head.status, headers, decodeBody)
        res.writeHead(head.status, head.statusText, toRawHeaders(clientHeaders))
      }
      if (!isEventStream(clientHeaders)) return
      write()
      res.flushHeaders()
    },
    write,
  }
}
