import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Firehose {
  readonly url: string
  /** Bytes the socket accepted for the stream in progress (or the last one). */
  written(): number
  close(): Promise<void>
}

const CHUNK = Buffer.alloc(64 * 1024, 'x')
/** Far more than any bounded buffer: an engine without backpressure would pull all of it. */
const CAP_BYTES = 2 * 1024 * 1024 * 1024

/**
 * An upstream that sends as fast as its reader takes: it writes until write() says the buffers
 * are full, then waits for 'drain'. What it has written minus what the client has read is what
 * sits in between, in the proxy and the kernel.
 */
export async function startFirehose(): Promise<Firehose> {
  let written = 0
  const server = http.createServer((_req, res) => {
    written = 0
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
    const pump = () => {
      while (written < CAP_BYTES && !res.destroyed) {
        written += CHUNK.length
        if (!res.write(CHUNK)) return
      }
      if (!res.destroyed) res.end()
    }
    res.on('drain', pump)
    pump()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
