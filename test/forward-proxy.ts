import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'

export interface ForwardProxy {
  readonly url: string
  /** `CONNECT host:port` and absolute-form targets, in the order they arrived. */
  readonly seen: string[]
  close(): Promise<void>
}

/**
 * A minimal corporate-style forward proxy: tunnels CONNECT and relays absolute-form requests,
 * recording what it was asked for. Loopback only.
 */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const seen: string[] = []
  const sockets = new Set<net.Socket>()
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    const target = new URL(req.url ?? '')
    const upstream = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: target.pathname + target.search,
        headers: req.headers,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  server.on('connect', (req, client: net.Socket, head) => {
    seen.push(`CONNECT ${req.url}`)
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/)
    const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
    sockets.add(client).add(upstream)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
