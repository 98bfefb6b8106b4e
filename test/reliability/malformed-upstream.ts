import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import net from 'node:net'

/** Raw answers no well-behaved upstream sends, by the path that asks for them. */
export const MALFORMED_ANSWERS: Readonly<Record<string, string>> = {
  // RFC 9110 section 15: statuses outside 100-599 are invalid; a client treats them as a 5xx.
  '/status-999': 'HTTP/1.1 999 Odd\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  '/status-600': 'HTTP/1.1 600 Odd\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  // A head whose lines end with a bare LF: RFC 9112 section 2.2 allows reading it, never waiting.
  '/bare-lf-head': 'HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 2\n\n{}',
  // A chunk size that is not hex, right after the head: nothing has reached the client yet.
  '/bad-first-chunk':
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
}

export interface MalformedUpstream {
  readonly url: string
  close(): Promise<void>
}

/** A TCP server that reads a request line and answers the raw bytes its path names, then closes. */
export async function startMalformedUpstream(): Promise<MalformedUpstream> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let head = ''
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      const path = /^[A-Z]+ (\S+)/.exec(head)?.[1]?.split('?')[0] ?? ''
      // The connection stays open, as a live upstream's would: ending it would hide a parser's wait.
      socket.write(MALFORMED_ANSWERS[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
      head = ''
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}
