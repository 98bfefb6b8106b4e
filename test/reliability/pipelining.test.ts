import net from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../core'
import { MAX_PIPELINED_WAITING } from '../../core/engines/node'
import { createLogger } from '../../core/server/logger'
import { startServer } from '../../core/server/start-server'
import type { CountingUpstream } from './counting-upstream'
import { startCountingUpstream } from './counting-upstream'
import { sleep } from './log-lines'
import { rawExchange } from './raw-exchange'
import { waitFor } from './raw-post'
import { AUTH, AUTH_LINE, SECRET_ENV } from './secrets'
import { createTally } from './tally'
import { useHttpTargets } from './targets'

/**
 * HTTP/1.1 pipelining (RFC 9112 section 9.3.2): a client may send many requests on one connection
 * without waiting. Node's server hands every one of them to the handler at once, so without a
 * limit one write of 3,000 requests opened 3,000 upstream exchanges, and the queued ones never
 * learned that the client left. These run on every target built on the node server adapter.
 */
const startTarget = useHttpTargets()
const NODE_SERVER_TARGETS = ['node', 'scf', 'fc'] as const
const ORDERED_COUNT = 12
const FLOOD_COUNT = 3_000

/** Each target gets its own upstream, so that what one leaves open does not count for the next. */
let upstream: CountingUpstream
beforeEach(async () => {
  upstream = await startCountingUpstream()
})
afterEach(() => upstream?.close())

function pipelined(paths: readonly string[]): string {
  return paths
    .map((path, index) =>
      index % 2 === 0
        ? `GET ${path} HTTP/1.1\r\nHost: oxy.test\r\n${AUTH_LINE}\r\n`
        : `POST ${path} HTTP/1.1\r\nHost: oxy.test\r\n${AUTH_LINE}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    )
    .join('')
}

/** Writes every request in one write; reads until all were answered and 200 ms passed, or 10 s. */
function sendPipelined(port: number, paths: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    let quiet: NodeJS.Timeout | undefined
    const finish = () => {
      clearTimeout(timer)
      clearTimeout(quiet)
      socket.destroy()
      resolve(text)
    }
    const timer = setTimeout(finish, 10_000)
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if ((text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length < paths.length) return
      clearTimeout(quiet)
      quiet = setTimeout(finish, 200)
    })
    socket.on('error', finish)
    socket.on('close', finish)
    socket.write(pipelined(paths))
  })
}

async function checkPipelining(
  port: number,
  check: (label: string, run: () => Promise<void> | void) => Promise<void>,
): Promise<void> {
  const ordered = Array.from({ length: ORDERED_COUNT }, (_, i) => `/v1/models?n=${i}`)
  upstream.reset()
  const text = await sendPipelined(port, ordered)
  await check('every pipelined request answered, in order', () => {
    expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(Array(ORDERED_COUNT).fill('HTTP/1.1 200'))
    const answered = [...text.matchAll(/"path":"([^"]+)"/g)].map((match) => match[1])
    expect(answered).toEqual(ordered)
  })
  await check('one upstream exchange at a time', () => expect(upstream.peakOpen()).toBe(1))

  upstream.reset()
  const held = net.connect(port, '127.0.0.1')
  held.on('error', () => {})
  held.write(pipelined(Array.from({ length: MAX_PIPELINED_WAITING }, (_, i) => `/hold/${i}`)))
  await waitFor(() => upstream.open() >= 1)
  // Give a proxy that fans out the time to do it.
  await sleep(500)
  await check(`${MAX_PIPELINED_WAITING} pipelined requests hold one upstream exchange`, () =>
    expect(upstream.peakOpen()).toBe(1),
  )
  held.destroy()
  await waitFor(() => upstream.open() === 0)
  await check('every exchange of the connection ends when it closes', () => expect(upstream.open()).toBe(0))

  upstream.reset()
  const flood = await rawExchange(
    port,
    pipelined(Array.from({ length: FLOOD_COUNT }, (_, i) => `/hold/${i}`)),
    { finAfterIdleMs: 5_000, waitMs: 5_000 },
  )
  await check(`${FLOOD_COUNT} pipelined requests: the proxy closes the connection`, () =>
    expect(flood.closedByServer).toBe(true),
  )
  await waitFor(() => upstream.open() === 0)
  await check(`${FLOOD_COUNT} pipelined requests: at most one upstream exchange, ended`, () => {
    expect(upstream.peakOpen()).toBeLessThanOrEqual(1)
    expect(upstream.open()).toBe(0)
  })
}

for (const name of NODE_SERVER_TARGETS) {
  describe(`pipelining: ${name}`, () => {
    it('should serve pipelined requests one at a time and end them all when the client leaves', async ({
      task,
    }) => {
      const tally = createTally(task, 'client faults: pipelining', name)
      const target = await startTarget(name, { OXY_TARGET: upstream.url })
      try {
        await checkPipelining(target.port, tally.check)
        await tally.check('still serving', async () => {
          const response = await fetch(`${target.url}/v1/models`, { headers: AUTH })
          expect(response.status).toBe(200)
        })
      } finally {
        await target.close()
      }
      tally.finish()
    }, 60_000)
  })
}

describe('pipelining: node server in process', () => {
  it('should serve pipelined requests one at a time and end them all when the client leaves', async ({
    task,
  }) => {
    const tally = createTally(task, 'client faults: pipelining', 'node in-process')
    const config = parseConfig({
      ...SECRET_ENV,
      OXY_TARGET: upstream.url,
      OXY_HOST: '127.0.0.1',
      OXY_PORT: '0',
    })
    const running = await startServer(config, createLogger('off'))
    try {
      await checkPipelining(Number(new URL(running.url).port), tally.check)
    } finally {
      await running.close(1_000)
    }
    tally.finish()
  }, 60_000)
})
