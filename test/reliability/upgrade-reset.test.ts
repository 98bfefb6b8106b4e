import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { AUTH_LINE } from './secrets'
import { createTally } from './tally'
import { useHttpTargets } from './targets'

/**
 * After 'upgrade', Node's server no longer listens for errors on the socket: a client that
 * resets the connection (RST) while its refused upgrade is being answered raised an unhandled
 * ECONNRESET and took the whole server down, for every other client too.
 */
const startTarget = useHttpTargets()
const NODE_SERVER_TARGETS = ['node', 'scf', 'fc'] as const
const RESETS = 30

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(() => upstream?.close())

/** Sends an upgrade the upstream refuses, and resets the connection at its first answer byte. */
function upgradeThenReset(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const timer = setTimeout(() => socket.destroy(), 5_000)
    socket.once('data', () => socket.resetAndDestroy())
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve()
    })
    socket.write(
      `GET /v1/realtime HTTP/1.1\r\nHost: oxy.test\r\n${AUTH_LINE}Connection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    )
  })
}

for (const name of NODE_SERVER_TARGETS) {
  describe(`upgrade reset: ${name}`, () => {
    it(`should keep serving after ${RESETS} clients reset their refused upgrades`, async ({ task }) => {
      const tally = createTally(task, 'client faults: reset during an upgrade', name)
      const target = await startTarget(name, { OXY_TARGET: upstream.url })
      try {
        for (let i = 0; i < RESETS; i++) await upgradeThenReset(target.port)
        await tally.check('still serving', async () => {
          const response = await fetch(`${target.url}/_oxy/health`)
          expect(response.status).toBe(200)
        })
      } finally {
        await target.close()
      }
      tally.finish()
    }, 60_000)
  })
}
