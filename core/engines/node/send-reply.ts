import type { LocalReply } from '../../policy'
import { toRawHeaders } from '../../policy'
import { closeInStages } from './close-in-stages'
import type { ServedResponse } from './served'

/** Writes a reply the proxy made, unless a response already started or the client is gone. */
export function sendReply(res: ServedResponse, reply: LocalReply, closeConnection = false): void {
  if (res.headersSent || res.destroyed) return
  const headers = toRawHeaders(reply.headers)
  headers.push('Content-Length', String(Buffer.byteLength(reply.body)))
  // After an aborted upload the rest of the body may still be arriving: the connection closes, in stages.
  if (closeConnection) {
    headers.push('Connection', 'close')
    closeInStages(res)
  }
  res.writeHead(reply.status, headers)
  res.end(reply.body)
}
