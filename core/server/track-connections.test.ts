import { once } from 'node:events'
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { FakeOpenAI } from '../../test/fake-openai'
import { startFakeOpenAI } from '../../test/fake-openai'
import { parseConfig } from '../policy'
import { createLogger } from './logger'
import { startServer } from './start-server'

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(async () => {
  await upstream.close()
})

const start = (target = upstream.url) =>
  startServer(parseConfig({ OXY_TARGET: target, OXY_HOST: '127.0.0.1', OXY_PORT: '0' }), createLogger('off'))

describe('trackConnections (server drain)', () => {
  it('should not let a connection that never sent a request hold the drain open', async () => {
    const server = await start()
    const idle = net.connect(Number(new URL(server.url).port), '127.0.0.1')
    await once(idle, 'connect')
    const started = performance.now()
    await server.close(10_000)
    expect(performance.now() - started).toBeLessThan(1_000)
    idle.destroy()
  })

  it('should let an in-flight request finish, then close', async () => {
    const server = await start()
    const response = fetch(`${server.url}/fake/slow-first-byte?ms=300`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const closed = server.close(10_000)
    expect((await response).status).toBe(200)
    await closed
  })

  it('should close an open WebSocket at the drain deadline', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(wss, 'listening')
    const server = await start(`http://127.0.0.1:${(wss.address() as net.AddressInfo).port}`)
    const client = new WebSocket(`${server.url.replace('http', 'ws')}/v1/realtime`)
    await once(client, 'open')
    const started = performance.now()
    const clientClosed = once(client, 'close')
    await server.close(300)
    await clientClosed
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(250)
    expect(took).toBeLessThan(2_000)
    wss.close()
  })
})
