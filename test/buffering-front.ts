import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ProxyUnderTest } from './conformance'

/**
 * A front end that holds each response until it is complete and then sends it in one piece,
 * as some API gateways and CDNs do: what a user's stream looks like when the platform buffers.
 */
export async function startBufferingFront(target: string): Promise<ProxyUnderTest> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'connection')
    try {
      const response = await fetch(target + (req.url ?? '/'), {
        method: req.method,
        headers: headers.map(([name, value]): [string, string] => [name, String(value)]),
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      })
      const body = Buffer.from(await response.arrayBuffer())
      const kept = [...response.headers].filter(
        ([name]) => !['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name),
      )
      res.writeHead(response.status, [...kept.flat(), 'content-length', String(body.length)])
      res.end(body)
    } catch {
      res.writeHead(502).end()
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
