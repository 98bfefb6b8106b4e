import { createHash } from 'node:crypto'
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../policy'
import { createNodeProxy } from './node-proxy'

/** One request as the upstream received it, and where. */
interface SeenRequest {
  readonly connection: number
  /** 0 for the first request on its connection. */
  readonly index: number
  readonly head: string
  readonly body: string
}

interface ScriptedUpstream {
  readonly url: string
  readonly seen: SeenRequest[]
  readonly connections: () => number
  close(): Promise<void>
}

const closers: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/**
 * An upstream that answers with exactly the bytes a test script gives, so that it can misbehave
 * in ways no HTTP server library allows: extra bytes, early answers, closing mid-exchange.
 * Requests are framed by Content-Length only (the proxy under test sends nothing else here).
 */
async function startScriptedUpstream(
  answer: (request: SeenRequest, socket: net.Socket) => void,
): Promise<ScriptedUpstream> {
  const seen: SeenRequest[] = []
  const sockets = new Set<net.Socket>()
  let connections = 0
  const server = net.createServer((socket) => {
    const connection = connections++
    let index = 0
    let buffered = ''
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1')
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n')
        if (end === -1) return
        const head = buffered.slice(0, end)
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
        if (buffered.length < end + 4 + length) return
        const request = { connection, index: index++, head, body: buffered.slice(end + 4, end + 4 + length) }
        buffered = buffered.slice(end + 4 + length)
        seen.push(request)
        answer(request, socket)
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const upstream: ScriptedUpstream = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
  closers.push(() => upstream.close())
  return upstream
}

function reply(body: string, headers = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${headers}Content-Length: ${body.length}\r\n\r\n${body}`
}

/** A node:http upstream, closed after the test; counts the connections made to it. */
async function startHttpUpstream(
  handler: http.RequestListener,
): Promise<{ url: string; connections: () => number }> {
  let connections = 0
  const upstream = http.createServer(handler)
  upstream.on('connection', () => connections++)
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  closers.push(() => {
    upstream.closeAllConnections()
    upstream.close()
  })
  return {
    url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    connections: () => connections,
  }
}

async function startProxy(target: string, env: Record<string, string> = {}): Promise<string> {
  const proxy = createNodeProxy(parseConfig({ OXY_TARGET: target, ...env }))
  const server = http.createServer(proxy.handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => {
    server.closeAllConnections()
    server.close()
    proxy.close()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const response = await fetch(url, init)
  return { status: response.status, body: await response.text() }
}

describe('upstream connection pool', () => {
  it('should carry sequential requests over one upstream connection', async () => {
    const upstream = await startScriptedUpstream((request, socket) =>
      socket.write(reply(`#${request.index}`)),
    )
    const proxy = await startProxy(upstream.url)
    const bodies: string[] = []
    for (let i = 0; i < 20; i++) bodies.push((await call(`${proxy}/v1/models`)).body)
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, i) => `#${i}`))
    expect(upstream.connections()).toBe(1)
  })

  it('should open a new connection, without an error for the client, after the upstream closed an idle one', async () => {
    const upstream = await startScriptedUpstream((_request, socket) => {
      socket.write(reply('ok'))
      setTimeout(() => socket.end(), 20)
    })
    const proxy = await startProxy(upstream.url)
    expect(await call(`${proxy}/v1/models`)).toEqual({ status: 200, body: 'ok' })
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(await call(`${proxy}/v1/models`)).toEqual({ status: 200, body: 'ok' })
    expect(upstream.connections()).toBe(2)
  })

  it('should send a GET again on a fresh connection when a reused one dies unanswered, but never a POST', async () => {
    // Every connection answers its first request and drops its second unanswered: the race of a
    // server closing an idle keep-alive connection just as the proxy picks it.
    const upstream = await startScriptedUpstream((request, socket) => {
      if (request.index === 0) socket.write(reply(`conn ${request.connection}`))
      else socket.destroy()
    })
    const proxy = await startProxy(upstream.url)
    expect(await call(`${proxy}/v1/models`)).toEqual({ status: 200, body: 'conn 0' })
    expect(await call(`${proxy}/v1/models`)).toEqual({ status: 200, body: 'conn 1' })

    const post = await call(`${proxy}/v1/chat/completions`, { method: 'POST', body: '{"model":"m"}' })
    expect(post.status).toBe(502)
    expect(JSON.parse(post.body)).toMatchObject({ error: { code: 'upstream_reset' } })
    expect(upstream.seen.filter((request) => request.head.startsWith('POST'))).toHaveLength(1)
  })

  it('should not reuse a connection after Connection: close, an HTTP/1.0 answer or a close-delimited body', async () => {
    const answers = [
      reply('closing', 'Connection: close\r\n'),
      'HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!',
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close',
    ]
    const upstream = await startScriptedUpstream((request, socket) => {
      const answer = answers[request.connection] ?? reply('last')
      if (answer.includes('until close')) socket.end(answer)
      else socket.write(answer)
    })
    const proxy = await startProxy(upstream.url)
    const bodies: string[] = []
    for (let i = 0; i < 4; i++) bodies.push((await call(`${proxy}/v1/models`)).body)
    expect(bodies).toEqual(['closing', 'old!', 'until close', 'last'])
    expect(upstream.connections()).toBe(4)
  })

  it('should never hand bytes left over from one response to the next client', async () => {
    // The first answer carries a second, forged response behind it. A proxy that kept the
    // connection would give the forged one to whoever asks next.
    const forged = reply('forged answer for the next client')
    const upstream = await startScriptedUpstream((request, socket) =>
      socket.write(request.connection === 0 ? reply('first') + forged : reply('second')),
    )
    const proxy = await startProxy(upstream.url)
    expect((await call(`${proxy}/v1/models`)).body).toBe('first')
    expect((await call(`${proxy}/v1/models`)).body).toBe('second')
    expect(upstream.connections()).toBe(2)
  })

  it('should drop an idle connection that sends bytes nobody asked for', async () => {
    const upstream = await startScriptedUpstream((request, socket) => {
      socket.write(reply(`conn ${request.connection}`))
      if (request.connection === 0) setTimeout(() => socket.write(reply('unasked')), 20)
    })
    const proxy = await startProxy(upstream.url)
    expect((await call(`${proxy}/v1/models`)).body).toBe('conn 0')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await call(`${proxy}/v1/models`)).body).toBe('conn 1')
  })

  it("should stop reusing a connection before the server's Keep-Alive timeout would close it", async () => {
    const upstream = await startScriptedUpstream((request, socket) =>
      socket.write(reply(`conn ${request.connection}`, 'Keep-Alive: timeout=1\r\n')),
    )
    const proxy = await startProxy(upstream.url)
    expect((await call(`${proxy}/v1/models`)).body).toBe('conn 0')
    expect((await call(`${proxy}/v1/models`)).body).toBe('conn 1')
  })

  it('should not reuse a connection whose answer came before the request body was sent', async () => {
    // node:http's own server answers 413 as soon as it sees the head, mid-upload.
    const upstream = await startHttpUpstream((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(413, { 'Content-Type': 'application/json' })
        res.end('{"error":{"message":"too large","type":"invalid_request_error","code":null}}')
        return
      }
      res.end('fine')
    })
    const proxy = await startProxy(upstream.url)
    const big = await call(`${proxy}/v1/audio/transcriptions`, {
      method: 'POST',
      body: Buffer.alloc(8 * 1024 * 1024),
    })
    expect(big.status).toBe(413)
    expect(await call(`${proxy}/v1/models`)).toEqual({ status: 200, body: 'fine' })
    expect(upstream.connections()).toBe(2)
  })

  it('should pass 1xx interim responses by and deliver the final one', async () => {
    const upstream = await startScriptedUpstream((_request, socket) => {
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n')
      setTimeout(() => socket.write(reply('final')), 10)
    })
    const proxy = await startProxy(upstream.url)
    expect(await call(`${proxy}/v1/models`)).toEqual({ status: 200, body: 'final' })
  })

  it('should answer a malformed upstream response with upstream_bad_response and keep serving', async () => {
    const upstream = await startScriptedUpstream((request, socket) =>
      socket.write(
        request.connection === 0
          ? 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
          : reply('recovered'),
      ),
    )
    const proxy = await startProxy(upstream.url)
    const bad = await call(`${proxy}/v1/models`)
    expect(bad.status).toBe(502)
    expect(JSON.parse(bad.body)).toMatchObject({
      error: { code: 'upstream_bad_response', type: 'oxy_error' },
    })
    expect(await call(`${proxy}/v1/models`)).toEqual({ status: 200, body: 'recovered' })
  })

  it('should send a body that came without a length chunked, byte for byte', async () => {
    let received: { te: string | undefined; sha256: string } | undefined
    const upstream = await startHttpUpstream((req, res) => {
      const hash = createHash('sha256')
      req.on('data', (chunk: Buffer) => hash.update(chunk))
      req.on('end', () => {
        received = { te: req.headers['transfer-encoding'], sha256: hash.digest('hex') }
        res.end('{}')
      })
    })
    const proxy = await startProxy(upstream.url)
    const pieces = Array.from({ length: 40 }, (_, i) => Buffer.alloc(1000 + i * 37, i))
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const piece = pieces.shift()
        if (piece) controller.enqueue(piece)
        else controller.close()
      },
    })
    const expected = createHash('sha256')
    for (let i = 0; i < 40; i++) expected.update(Buffer.alloc(1000 + i * 37, i))
    const response = await fetch(`${proxy}/v1/files`, { method: 'POST', body, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(200)
    expect(received).toEqual({ te: 'chunked', sha256: expected.digest('hex') })
  })

  it('should refuse a header value that would split the upstream request, and send nothing', async () => {
    const upstream = await startScriptedUpstream((_request, socket) => socket.write(reply('reached')))
    const proxy = createNodeProxy(parseConfig({ OXY_TARGET: upstream.url }))
    closers.push(() => proxy.close())
    // The Lambda handler builds requests from events that no HTTP parser has read: headers can
    // hold anything. A request made by hand stands in for one here.
    const { IncomingMessage, ServerResponse } = http
    const req = new IncomingMessage(new net.Socket())
    req.method = 'GET'
    req.url = '/v1/models'
    req.rawHeaders = ['host', 'proxy', 'x-note', 'a\r\nX-Injected: yes']
    req.push(null)
    const res = new ServerResponse(req)
    const chunks: Buffer[] = []
    res.write = ((chunk: Buffer | string) => {
      chunks.push(Buffer.from(chunk))
      return true
    }) as typeof res.write
    const ended = new Promise<void>((resolve) => {
      res.end = ((chunk?: Buffer | string) => {
        if (chunk) chunks.push(Buffer.from(chunk))
        resolve()
        return res
      }) as typeof res.end
    })
    proxy.handle(req, res)
    await ended
    expect(res.statusCode).toBe(400)
    expect(JSON.parse(Buffer.concat(chunks).toString())).toMatchObject({
      error: { code: 'invalid_request_target' },
    })
    expect(upstream.seen).toHaveLength(0)
  })

  it("should send HTTPS_PROXY's credentials with CONNECT and answer its refusal with an OpenAI-shaped 502", async () => {
    const asked: string[] = []
    const forward = net.createServer((socket) => {
      socket.on('error', () => {})
      socket.once('data', (chunk: Buffer) => {
        asked.push(chunk.toString('latin1'))
        socket.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n',
        )
      })
    })
    forward.listen(0, '127.0.0.1')
    await once(forward, 'listening')
    closers.push(() => void forward.close())
    const port = (forward.address() as AddressInfo).port
    // .invalid never resolves (RFC 6761): only the forward proxy can be asked for it.
    const proxy = await startProxy('https://api.oxy-test.invalid', {
      HTTPS_PROXY: `http://user:p%40ss@127.0.0.1:${port}`,
    })
    const response = await call(`${proxy}/v1/models`)
    expect(response.status).toBe(502)
    expect(JSON.parse(response.body)).toMatchObject({
      error: {
        code: 'upstream_unreachable',
        message: expect.stringContaining('CONNECT api.oxy-test.invalid:443: 407'),
      },
    })
    expect(asked).toEqual([
      `CONNECT api.oxy-test.invalid:443 HTTP/1.1\r\nHost: api.oxy-test.invalid:443\r\nProxy-Authorization: Basic ${Buffer.from('user:p@ss').toString('base64')}\r\n\r\n`,
    ])
  })
})
