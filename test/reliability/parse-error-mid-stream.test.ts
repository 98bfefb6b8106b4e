import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { AUTH_LINE } from './secrets'
import { createTally } from './tally'
import { useHttpTargets } from './targets'

/**
 * A client that sends garbage on a connection whose streaming response is still being written:
 * Node's parser fails on the garbage, and an answer written to the socket then would land in the
 * middle of the chunked body, where a client reads it as body bytes. The connection must close.
 */
const startTarget = useHttpTargets()
const NODE_SERVER_TARGETS = ['node', 'scf', 'fc'] as const

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(() => upstream?.close())

/** Opens a stream, sends garbage after its first bytes, returns what came back until close. */
function garbageMidStream(port: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    let sent = false
    const finish = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, closed })
    }
    const timer = setTimeout(() => finish(false), 10_000)
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (!sent && text.includes('\r\n\r\n')) {
        sent = true
        socket.write('\x00\x01 NOT HTTP\r\n\r\n')
      }
    })
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
    socket.write(`GET /fake/stream?chunks=40&delay=25 HTTP/1.1\r\nHost: oxy.test\r\n${AUTH_LINE}\r\n`)
  })
}

for (const name of NODE_SERVER_TARGETS) {
  describe(`parse error mid-stream: ${name}`, () => {
    it('should close the connection, never write an answer into the streaming body', async ({ task }) => {
      const tally = createTally(task, 'bad input: parse error mid-stream', name)
      const target = await startTarget(name, { OXY_TARGET: upstream.url })
      try {
        await tally.check('garbage after the stream started', async () => {
          const { text, closed } = await garbageMidStream(target.port)
          expect(closed, 'the connection stayed open').toBe(true)
          expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200'])
          expect(text).not.toContain('invalid_request')
        })
      } finally {
        await target.close()
      }
      tally.finish()
    }, 30_000)
  })
}
