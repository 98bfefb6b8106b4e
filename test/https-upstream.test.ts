import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { TLSSocket } from 'node:tls'
import OpenAI from 'openai'
import { generate } from 'selfsigned'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startForwardProxy } from './forward-proxy'
import { killSpawned, spawnMain } from './spawn-main'

interface TlsConnection {
  readonly servername: string | false | null
  readonly alpn: string | false | null
  readonly resumed: boolean
}

/**
 * The real upstream is HTTPS (api.openai.com); the engine's own client must do TLS the way
 * node:https did: verify the certificate against the trusted CAs (NODE_EXTRA_CA_CERTS here),
 * send SNI, offer HTTP/1.1 by ALPN, keep the connection, and resume the session on the next one.
 */
let upstream: https.Server
let connections: TlsConnection[]
let proxyUrl: string
let dir: string
let caFile: string
let upstreamPort: number

beforeAll(async () => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
  })
  dir = await mkdtemp(path.join(os.tmpdir(), 'oxy-tls-'))
  caFile = path.join(dir, 'ca.pem')
  await writeFile(caFile, pems.cert)
  connections = []
  upstream = https.createServer(
    { key: pems.private, cert: pems.cert, ALPNProtocols: ['http/1.1'] },
    (req, res) => {
      if (req.url?.startsWith('/v1/chat/completions')) {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        let sent = 0
        const timer = setInterval(() => {
          if (sent++ === 3) {
            clearInterval(timer)
            res.end('data: [DONE]\n\n')
            return
          }
          const chunk = {
            id: 'c',
            object: 'chat.completion.chunk',
            created: 1,
            model: 'm',
            choices: [{ index: 0, delta: { content: `t${sent}` }, finish_reason: null }],
          }
          res.write(`data: ${JSON.stringify(chunk)}\n\n`)
        }, 20)
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(
        JSON.stringify({
          object: 'list',
          data: [{ id: 'gpt-4o-mini', object: 'model', created: 1, owned_by: 'x' }],
        }),
      )
    },
  )
  upstream.on('secureConnection', (socket: TLSSocket) =>
    connections.push({
      servername: socket.servername,
      alpn: socket.alpnProtocol,
      resumed: socket.isSessionReused(),
    }),
  )
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  upstreamPort = (upstream.address() as AddressInfo).port
  const server = spawnMain({ OXY_TARGET: `https://localhost:${upstreamPort}`, NODE_EXTRA_CA_CERTS: caFile })
  proxyUrl = await server.listening()
})

afterAll(async () => {
  killSpawned()
  upstream.closeAllConnections()
  upstream.close()
  await rm(dir, { recursive: true, force: true })
})

describe('an HTTPS upstream', () => {
  it('should verify it, name it by SNI, speak HTTP/1.1 and reuse one connection for sequential calls', async () => {
    const client = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: 'sk-test-0000', maxRetries: 0 })
    for (let i = 0; i < 5; i++) expect((await client.models.list()).data[0]?.id).toBe('gpt-4o-mini')
    expect(connections).toEqual([{ servername: 'localhost', alpn: 'http/1.1', resumed: false }])
  })

  it('should resume the TLS session when it opens another connection', async () => {
    const client = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: 'sk-test-0000', maxRetries: 0 })
    const before = connections.length
    // Two streams at once need two connections: the idle one and a new one.
    const texts = await Promise.all(
      [0, 1].map(async () => {
        const stream = await client.chat.completions.create({ model: 'm', messages: [], stream: true })
        let text = ''
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
        return text
      }),
    )
    expect(texts).toEqual(['t1t2t3', 't1t2t3'])
    const opened = connections.slice(before)
    expect(opened.length).toBeGreaterThanOrEqual(1)
    expect(opened.every((connection) => connection.resumed)).toBe(true)
  })

  it("should reach it through HTTPS_PROXY's CONNECT tunnel, with the certificate verified end to end", async () => {
    const forward = await startForwardProxy()
    try {
      const server = spawnMain({
        OXY_TARGET: `https://localhost:${upstreamPort}`,
        NODE_EXTRA_CA_CERTS: caFile,
        HTTPS_PROXY: forward.url,
      })
      const client = new OpenAI({
        baseURL: `${await server.listening()}/v1`,
        apiKey: 'sk-test-0000',
        maxRetries: 0,
      })
      for (let i = 0; i < 3; i++) expect((await client.models.list()).data[0]?.id).toBe('gpt-4o-mini')
      // One tunnel, kept for all three calls.
      expect(forward.seen).toEqual([`CONNECT localhost:${upstreamPort}`])
      expect(connections.at(-1)).toMatchObject({ servername: 'localhost', alpn: 'http/1.1' })
    } finally {
      await forward.close()
    }
  })
})
