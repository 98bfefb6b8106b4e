import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { HeaderPair, LocalReply } from '../../policy'

/** A status line and headers, for a socket that node:http no longer answers on (upgrades, parse errors). */
export function responseHead(status: number, headers: readonly HeaderPair[]): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`
  return `${head}\r\n`
}

/** Answers a reply the proxy made straight on the socket, then closes it. */
export function writeRawReply(socket: Duplex, reply: LocalReply): void {
  if (!socket.writable) return
  const headers: HeaderPair[] = [
    ...reply.headers,
    ['Content-Length', String(Buffer.byteLength(reply.body))],
    ['Connection', 'close'],
  ]
  socket.end(responseHead(reply.status, headers) + reply.body)
}
