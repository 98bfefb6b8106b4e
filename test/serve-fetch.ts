import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { ProxyUnderTest } from './conformance'

/**
 * Serves a fetch-style handler over node:http, so the fetch engine can be tested with the same
 * real sockets and clients as the node engine: streamed bodies both ways, and a request signal
 * that aborts when the client goes away (as Workers and Deno do).
 */
export async function serveFetch(handler: (request: Request) => Promise<Response>): Promise<ProxyUnderTest> {
  const server = http.createServer(async (req, res) => {
    const abort = new AbortController()
    res.once('close', () => {
      if (!res.writableFinished) abort.abort()
    })
    const headers = new Headers()
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
      signal: abort.signal,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' })
    const response = await handler(request)
    const raw: string[] = []
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') raw.push(name, value)
    })
    for (const cookie of response.headers.getSetCookie()) raw.push('set-cookie', cookie)
    res.writeHead(response.status, response.statusText, raw)
    res.flushHeaders()
    if (!response.body) {
      res.end()
      return
    }
    const reader = response.body.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (!res.write(value)) await once(res, 'drain')
      }
      res.end()
    } catch {
      // The body errored: end the client's response abruptly, as a runtime does.
      res.destroy()
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
