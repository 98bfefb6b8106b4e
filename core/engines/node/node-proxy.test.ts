import { once } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { generate } from 'selfsigned'
import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { REFUSED_TARGET, rawGet, withTimeout } from '../../../test/conformance'
import { describeExchangeAgreement } from '../../../test/exchange-agreement'
import type { FakeOpenAI } from '../../../test/fake-openai'
import { sha256, startFakeOpenAI } from '../../../test/fake-openai'
import { startForwardProxy } from '../../../test/forward-proxy'
import { postInParts, rawJsonBody, sendRaw } from '../../../test/raw-http'
import type { AccessLogEntry } from '../../policy'
import { parseConfig } from '../../policy'
import { createNodeProxy } from './node-proxy'

interface Running {
  readonly url: string
  readonly port: number
  readonly logs: AccessLogEntry[]
  close(): Promise<void>
}

const running: Running[] = []

async function startProxy(env: Record<string, string>): Promise<Running> {
  const logs: AccessLogEntry[] = []
  const proxy = createNodeProxy(parseConfig(env), { onLog: (entry) => logs.push(entry) })
  const server = http.createServer(proxy.handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const handle: Running = {
    url: `http://127.0.0.1:${port}`,
    port,
    logs,
    async close() {
      server.closeAllConnections()
      server.close()
      proxy.close()
    },
  }
  running.push(handle)
  return handle
}

/** A second server that must never be reached: any request to it is a request-forgery bug. */
async function startCanary(): Promise<{ port: number; hits: string[]; close(): void }> {
  const hits: string[] = []
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    res.end('canary')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { port: (server.address() as AddressInfo).port, hits, close: () => server.close() }
}

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(async () => {
  await upstream.close()
})
afterEach(async () => {
  await Promise.all(running.splice(0).map((proxy) => proxy.close()))
})

describe('createNodeProxy: request targets', () => {
  it('should never send a request anywhere but the configured upstream', async () => {
    const canary = await startCanary()
    const proxy = await startProxy({ OXY_TARGET: upstream.url })
    const evil = `127.0.0.1:${canary.port}`
    const targets = [
      `http://${evil}/v1/models`,
      `//${evil}/v1/models`,
      `/\\${evil}/v1/models`,
      `/%2f%2f${evil}/v1/models`,
      '/v1/../../v1/models',
      `/v1/models%0d%0aHost:%20${evil}`,
    ]
    for (const target of targets) {
      const before = upstream.received.length
      const answer = await sendRaw(
        proxy.port,
        `GET ${target} HTTP/1.1\r\nHost: ${evil}\r\nConnection: close\r\n\r\n`,
      )
      expect(answer.status, target).toBe(400)
      expect(rawJsonBody(answer.text), target).toMatchObject({ error: { type: 'oxy_error' } })
      expect(upstream.received.length, target).toBe(before)
    }
    // A spoofed Host and a path with @ still reach only the configured upstream.
    const spoofed = await sendRaw(
      proxy.port,
      `GET /@${evil}/v1/models HTTP/1.1\r\nHost: ${evil}\r\nX-Forwarded-Host: ${evil}\r\nConnection: close\r\n\r\n`,
    )
    expect(spoofed.status).toBe(404)
    expect(upstream.last('/@').headers.host).toBe(new URL(upstream.url).host)
    expect(canary.hits).toEqual([])
    // ...and the proxy keeps serving.
    expect((await rawGet(`${proxy.url}/v1/models`)).status).toBe(200)
    canary.close()
  })

  it('should keep the target base path in front of every request path and query', async () => {
    const proxy = await startProxy({ OXY_TARGET: `${upstream.url}/openai/` })
    const response = await rawGet(`${proxy.url}/fake/echo?api-version=2024-10-21&x=%2F`)
    expect(response.status).toBe(200)
    expect(upstream.last('/openai/').url).toBe('/openai/fake/echo?api-version=2024-10-21&x=%2F')
  })
})

describe('createNodeProxy: local answers', () => {
  it('should answer health, preflight and unknown /_oxy routes without the upstream', async () => {
    const before = upstream.received.length
    const proxy = createNodeProxy(
      parseConfig({ OXY_TARGET: upstream.url, OXY_CORS_ORIGINS: 'https://chat.example.com' }),
    )
    const health = await request(proxy.handle).get('/_oxy/health').expect(200)
    expect(health.body).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) })
    const preflight = await request(proxy.handle)
      .options('/v1/chat/completions')
      .set('Origin', 'https://chat.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-stainless-lang')
      .expect(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('https://chat.example.com')
    expect(preflight.headers['access-control-allow-headers']).toBe('x-stainless-lang')
    const unknown = await request(proxy.handle).get('/_oxy/secrets').expect(404)
    expect(unknown.body.error).toMatchObject({ type: 'oxy_error', code: 'not_found' })
    expect(upstream.received.length).toBe(before)
    proxy.close()
  })

  it('should refuse a body over OXY_MAX_BODY_BYTES with 413, declared or streamed', async () => {
    const proxy = await startProxy({ OXY_TARGET: upstream.url, OXY_MAX_BODY_BYTES: '1000' })
    const before = upstream.received.length
    const declared = await fetch(`${proxy.url}/v1/audio/transcriptions`, {
      method: 'POST',
      body: 'x'.repeat(5000),
    })
    expect(declared.status).toBe(413)
    expect(await declared.json()).toMatchObject({ error: { code: 'body_too_large', type: 'oxy_error' } })
    expect(upstream.received.length).toBe(before)

    const streamed = await fetch(`${proxy.url}/fake/echo`, {
      method: 'POST',
      body: chunkedBody(10, 500, 5),
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
  })
})

describe('createNodeProxy: bodies read or kept for the gateway', () => {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  const sent = async (proxy: Running, init: RequestInit) => {
    const before = upstream.received.length
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      ...init,
      headers: { authorization: 'Bearer oxy-test-token-alice-0123', 'content-type': 'application/json' },
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    const received = upstream.received[before]!
    return { headers: received.headers, body: received.body.toString() }
  }

  it('should send a chunked body read for a model rule with its exact length', async () => {
    const proxy = await startProxy({
      OXY_TARGET: upstream.url,
      OXY_ACCESS_KEYS: 'alice:oxy-test-token-alice-0123',
      OXY_KEY_RULES: JSON.stringify({ alice: { models: ['gpt-4o-mini'] } }),
    })
    const bytes = new TextEncoder().encode(body)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 10))
        controller.enqueue(bytes.subarray(10))
        controller.close()
      },
    })
    const received = await sent(proxy, { body: stream, duplex: 'half' } as RequestInit)
    expect(received.headers['transfer-encoding']).toBeUndefined()
    expect(received.headers['content-length']).toBe(String(bytes.length))
    expect(received.body).toBe(body)
  })

  it('should start the first attempt before a body kept for a replay has all arrived', async () => {
    const proxy = await startProxy({
      OXY_TARGET: upstream.url,
      OXY_ACCESS_KEYS: 'alice:oxy-test-token-alice-0123',
      OXY_UPSTREAM_KEY: 'sk-test-one,sk-test-two',
    })
    const before = upstream.received.length
    const bytes = Buffer.from(body)
    const { status, lastPartAt } = await postInParts(
      `${proxy.url}/v1/chat/completions`,
      { authorization: 'Bearer oxy-test-token-alice-0123', 'content-type': 'application/json' },
      [bytes.subarray(0, 20), bytes.subarray(20)],
      300,
    )
    expect(status).toBe(200)
    const received = upstream.received[before]!
    expect(received.firstChunkAt).toBeLessThan(lastPartAt)
    expect(received.body.toString()).toBe(body)
  })

  it('should not try the next target once the client got its 504 while the body was still arriving', async () => {
    const proxy = await startProxy({
      OXY_TARGET: `${REFUSED_TARGET},${upstream.url}`,
      OXY_FIRST_BYTE_TIMEOUT_MS: '150',
    })
    const before = upstream.received.length
    const bytes = Buffer.from(body)
    // The rest comes after the first-byte deadline has answered the client.
    const { status } = await postInParts(
      `${proxy.url}/v1/chat/completions`,
      { 'content-type': 'application/json' },
      [bytes.subarray(0, 20), bytes.subarray(20)],
      400,
    )
    expect(status).toBe(504)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(upstream.received.length).toBe(before)
  })

  it('should send a body kept for a replay with the length the client declared, once', async () => {
    const proxy = await startProxy({
      OXY_TARGET: upstream.url,
      OXY_ACCESS_KEYS: 'alice:oxy-test-token-alice-0123',
      OXY_UPSTREAM_KEY: 'sk-test-one,sk-test-two',
    })
    const received = await sent(proxy, { body })
    expect(received.headers['content-length']).toBe(String(Buffer.byteLength(body)))
    expect(received.headers['transfer-encoding']).toBeUndefined()
    expect(received.body).toBe(body)
  })
})

describe('createNodeProxy: streaming', () => {
  it('should stream a 25 MB upload: the upstream sees bytes before the client has sent them all', async () => {
    const proxy = await startProxy({ OXY_TARGET: upstream.url })
    const chunks = 25
    const chunkBytes = 1024 * 1024
    let lastWriteAt = 0
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let i = 0; i < chunks; i++) {
          controller.enqueue(new Uint8Array(chunkBytes).fill(i))
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        lastWriteAt = performance.now()
        controller.close()
      },
    })
    const response = await fetch(`${proxy.url}/fake/echo`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit)
    const echoed = (await response.json()) as { bodyBytes: number; bodySha256: string }
    const expected = Buffer.concat(Array.from({ length: chunks }, (_, i) => Buffer.alloc(chunkBytes, i)))
    expect(echoed.bodyBytes).toBe(expected.length)
    expect(echoed.bodySha256).toBe(sha256(expected))
    expect(upstream.last('/fake/echo').firstChunkAt).toBeLessThan(lastWriteAt)
  })

  it('should write each SSE chunk as it arrives, with headers before the first chunk', async () => {
    const proxy = await startProxy({ OXY_TARGET: upstream.url })
    const started = performance.now()
    const response = await fetch(`${proxy.url}/fake/stream?chunks=3&delay=150`)
    const headersAt = performance.now() - started
    const reader = response.body!.getReader()
    const arrivals: number[] = []
    for (;;) {
      const { done } = await reader.read()
      if (done) break
      arrivals.push(performance.now() - started)
    }
    // Headers arrive before the first chunk is due (150 ms), chunks about 150 ms apart.
    expect(headersAt).toBeLessThan(120)
    expect(arrivals.length).toBeGreaterThanOrEqual(4)
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThan(90)
  })
})

describe('createNodeProxy: client and upstream failures', () => {
  it('should destroy the upstream request when the client leaves before the first byte', async () => {
    const proxy = await startProxy({ OXY_TARGET: upstream.url })
    const controller = new AbortController()
    const before = upstream.received.length
    const pending = fetch(`${proxy.url}/fake/slow-first-byte?ms=5000`, { signal: controller.signal }).catch(
      () => {},
    )
    await waitFor(() => upstream.received.length > before)
    const started = performance.now()
    controller.abort()
    await pending
    const outcome = await withTimeout(
      upstream.last('/fake/slow-first-byte').done,
      3_000,
      'upstream kept waiting',
    )
    expect(outcome.aborted).toBe(true)
    expect(performance.now() - started).toBeLessThan(1_000)
    await waitFor(() => proxy.logs.some((entry) => entry.error === 'client_closed'))
  })

  it('should answer 504 when the upstream sends no first byte in time, and close the upstream', async () => {
    const proxy = await startProxy({ OXY_TARGET: upstream.url, OXY_FIRST_BYTE_TIMEOUT_MS: '200' })
    const response = await fetch(`${proxy.url}/fake/slow-first-byte?ms=3000`)
    expect(response.status).toBe(504)
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringContaining('OXY_FIRST_BYTE_TIMEOUT_MS'),
        type: 'oxy_error',
        code: 'upstream_timeout',
      },
    })
    expect((await upstream.last('/fake/slow-first-byte').done).aborted).toBe(true)
  })

  it('should cut a stream abruptly when the upstream stalls longer than the idle timeout', async () => {
    const proxy = await startProxy({ OXY_TARGET: upstream.url, OXY_IDLE_TIMEOUT_MS: '300' })
    const response = await fetch(`${proxy.url}/fake/stream?chunks=10&delay=20&stall=2`)
    expect(response.status).toBe(200)
    await expect(response.text()).rejects.toThrow()
    expect((await upstream.last('/fake/stream').done).aborted).toBe(true)
    await waitFor(() => proxy.logs.some((entry) => entry.error === 'upstream_idle_timeout'))
  })

  it('should answer 502 when the upstream resets before sending headers', async () => {
    const proxy = await startProxy({ OXY_TARGET: upstream.url })
    const response = await fetch(`${proxy.url}/fake/reset-before-headers`)
    expect(response.status).toBe(502)
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_reset', type: 'oxy_error' } })
  })

  it('should answer 502 with upstream_tls_error when the upstream certificate is not trusted', async () => {
    const tlsUpstream = await startTlsServer()
    const proxy = await startProxy({ OXY_TARGET: `https://127.0.0.1:${tlsUpstream.port}` })
    const response = await fetch(`${proxy.url}/v1/models`)
    expect(response.status).toBe(502)
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_tls_error' } })
    tlsUpstream.close()
  })
})

describe('createNodeProxy: outbound proxy', () => {
  it('should send plain-HTTP upstream requests through HTTP_PROXY in absolute form', async () => {
    const forward = await startForwardProxy()
    const proxy = await startProxy({ OXY_TARGET: upstream.url, HTTP_PROXY: forward.url })
    const response = await rawGet(`${proxy.url}/v1/models`)
    expect(response.status).toBe(200)
    expect(forward.seen).toEqual([`GET ${upstream.url}/v1/models`])
    expect(upstream.last('/v1/models').headers.host).toBe(new URL(upstream.url).host)
    await forward.close()
  })

  it('should tunnel https upstreams through HTTPS_PROXY with CONNECT', async () => {
    const forward = await startForwardProxy()
    const tlsUpstream = await startTlsServer()
    const proxy = await startProxy({
      OXY_TARGET: `https://127.0.0.1:${tlsUpstream.port}`,
      HTTPS_PROXY: forward.url,
    })
    const response = await rawGet(`${proxy.url}/v1/models`)
    // The tunnel reaches the upstream; its self-signed certificate is then refused, as it must be.
    expect(forward.seen).toEqual([`CONNECT 127.0.0.1:${tlsUpstream.port}`])
    expect(tlsUpstream.handshakes()).toBe(1)
    expect(response.status).toBe(502)
    expect(JSON.parse(response.body.toString())).toMatchObject({ error: { code: 'upstream_tls_error' } })
    tlsUpstream.close()
    await forward.close()
  })

  it('should go direct for hosts in NO_PROXY', async () => {
    const forward = await startForwardProxy()
    const proxy = await startProxy({
      OXY_TARGET: upstream.url,
      HTTP_PROXY: forward.url,
      NO_PROXY: '127.0.0.1',
    })
    expect((await rawGet(`${proxy.url}/v1/models`)).status).toBe(200)
    expect(forward.seen).toEqual([])
    await forward.close()
  })
})

describe('createNodeProxy: access log', () => {
  it('should log one line per request with timings and sizes, and no secrets or query', async () => {
    const proxy = await startProxy({ OXY_TARGET: upstream.url })
    await fetch(`${proxy.url}/v1/chat/completions?key=sk-in-query`, {
      method: 'POST',
      headers: {
        Authorization: 'Bearer sk-secret-123',
        Cookie: 'session=abc',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'my secret prompt' }],
      }),
    }).then((response) => response.text())
    await waitFor(() => proxy.logs.length === 1)
    const [entry] = proxy.logs
    expect(entry).toMatchObject({ method: 'POST', path: '/v1/chat/completions', status: 200 })
    expect(entry!.bytesIn).toBeGreaterThan(0)
    expect(entry!.bytesOut).toBeGreaterThan(0)
    expect(entry!.upstreamMs).toBeGreaterThanOrEqual(0)
    expect(entry!.totalMs).toBeGreaterThanOrEqual(entry!.upstreamMs!)
    const line = JSON.stringify(entry)
    for (const secret of ['sk-secret-123', 'session=abc', 'sk-in-query', 'my secret prompt']) {
      expect(line).not.toContain(secret)
    }
  })
})

function chunkedBody(count: number, bytes: number, delayMs: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(controller) {
      for (let i = 0; i < count; i++) {
        controller.enqueue(new Uint8Array(bytes))
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
      controller.close()
    },
  })
}

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function startTlsServer(): Promise<{ port: number; handshakes(): number; close(): void }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 })
  let handshakes = 0
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (_req, res) => res.end('{}'))
  server.on('connection', () => handshakes++)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    handshakes: () => handshakes,
    close: () => {
      server.closeAllConnections()
      server.close()
    },
  }
}

describeExchangeAgreement('node engine', async (env) => {
  const logs: AccessLogEntry[] = []
  const proxy = createNodeProxy(parseConfig(env), { onLog: (entry) => logs.push(entry) })
  const server = http.createServer(proxy.handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logs,
    async close() {
      server.closeAllConnections()
      server.close()
      proxy.close()
    },
  }
})
