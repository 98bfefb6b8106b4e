import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { ProxyUnderTest, StartProxy } from './conformance'
import { withTimeout } from './conformance'
import { TOKEN_A } from './owner-controls'

interface FakeRealtime {
  readonly url: string
  /** Handshake headers of every session, and whether each is still open. */
  readonly sessions: { headers: http.IncomingHttpHeaders; url: string; closed: Promise<void> }[]
  close(): Promise<void>
}

/** Like wss://api.openai.com/v1/realtime: greets, then echoes every frame back, text or binary. */
async function startFakeRealtime(): Promise<FakeRealtime> {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'application/json' })
    res.end('{"error":{"message":"upgrade required","type":"invalid_request_error","code":null}}')
  })
  const wss = new WebSocketServer({ server })
  const sessions: FakeRealtime['sessions'] = []
  wss.on('connection', (socket, req) => {
    sessions.push({ headers: req.headers, url: req.url ?? '', closed: once(socket, 'close').then(() => {}) })
    socket.send(JSON.stringify({ type: 'session.created' }))
    socket.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'hang up') socket.close(1000, 'bye')
      else socket.send(data, { binary: isBinary })
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sessions,
    async close() {
      for (const client of wss.clients) client.terminate()
      wss.close()
      server.close()
    },
  }
}

function connect(
  url: string,
  headers: Record<string, string>,
): Promise<{ socket: WebSocket; first: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), { headers })
    socket.once('message', (data) => resolve({ socket, first: data.toString() }))
    socket.once('error', reject)
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
}

function nextMessage(socket: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) =>
    socket.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })),
  )
}

/** WebSocket upgrades through the proxy: frames both ways, the same header policy, closed together. */
export function describeWebSocketPassthrough(name: string, start: StartProxy): void {
  describe(`websocket passthrough: ${name}`, () => {
    let realtime: FakeRealtime
    let proxy: ProxyUnderTest
    beforeAll(async () => {
      realtime = await startFakeRealtime()
      proxy = await start({
        OXY_TARGET: realtime.url,
        OXY_ACCESS_KEYS: TOKEN_A,
        OXY_UPSTREAM_KEY: 'sk-owner-realtime-key',
      })
    })
    afterAll(async () => {
      await proxy?.close()
      await realtime?.close()
    })

    it('should carry a realtime session both ways, text and binary', async () => {
      const { socket, first } = await connect(`${proxy.url}/v1/realtime?model=gpt-4o-realtime-preview`, {
        Authorization: `Bearer ${TOKEN_A}`,
        'OpenAI-Beta': 'realtime=v1',
        'X-Forwarded-For': '203.0.113.7',
      })
      expect(JSON.parse(first)).toEqual({ type: 'session.created' })
      socket.send(JSON.stringify({ type: 'response.create' }))
      expect(JSON.parse((await nextMessage(socket)).data.toString())).toEqual({ type: 'response.create' })
      const audio = Buffer.from(Array.from({ length: 4096 }, (_, i) => i & 0xff))
      socket.send(audio)
      const echoed = await nextMessage(socket)
      expect(echoed.isBinary).toBe(true)
      expect(Buffer.compare(echoed.data, audio)).toBe(0)

      const session = realtime.sessions.at(-1)!
      expect(session.url).toBe('/v1/realtime?model=gpt-4o-realtime-preview')
      expect(session.headers.authorization).toBe('Bearer sk-owner-realtime-key')
      expect(session.headers['openai-beta']).toBe('realtime=v1')
      expect(session.headers['x-forwarded-for']).toBeUndefined()
      expect(JSON.stringify(session.headers)).not.toContain(TOKEN_A)
      socket.close()
      await withTimeout(session.closed, 3_000, 'the upstream session stayed open after the client closed')
    })

    it('should close the client when the upstream closes', async () => {
      const { socket } = await connect(`${proxy.url}/v1/realtime`, { Authorization: `Bearer ${TOKEN_A}` })
      const closed = once(socket, 'close')
      socket.send('hang up')
      const [code] = await withTimeout(closed, 3_000, 'the client stayed open after the upstream closed')
      expect(code).toBe(1000)
    })

    it('should refuse an upgrade without a token before it reaches the upstream', async () => {
      const before = realtime.sessions.length
      await expect(connect(`${proxy.url}/v1/realtime`, {})).rejects.toThrow('HTTP 401')
      expect(realtime.sessions.length).toBe(before)
    })
  })
}
