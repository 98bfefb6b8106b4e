import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../core'
import { createLogger } from '../../core/server/logger'
import { startServer } from '../../core/server/start-server'
import { withTimeout } from '../conformance'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import type { Firehose } from './firehose'
import { startFirehose } from './firehose'
import { sleep } from './log-lines'
import { rssBytes, socketCount } from './proc-stats'
import { currentProfile } from './profile'
import { AUTH, SECRET_ENV } from './secrets'
import { createTally } from './tally'
import type { HttpTarget } from './targets'
import { HTTP_TARGETS, useHttpTargets } from './targets'

const profile = currentProfile()
const startTarget = useHttpTargets()
/** Clients hanging up at once; the rest wait their turn. */
const HANGUP_CONCURRENCY = 100
const SLOW_READ_MS = 2_000

let upstream: FakeOpenAI
let firehose: Firehose
beforeAll(async () => {
  upstream = await startFakeOpenAI()
  firehose = await startFirehose()
})
afterAll(async () => {
  await firehose?.close()
  await upstream?.close()
})

/** Opens a stream, reads its first bytes, and hangs up. */
function hangUpMidStream(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: AUTH, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy()
        resolve()
      })
    })
    req.on('error', (error: NodeJS.ErrnoException) => (req.destroyed ? resolve() : reject(error)))
    req.setTimeout(10_000, () => req.destroy(new Error('no first chunk within 10 s')))
  })
}

/** Runs `count` hang-ups, `HANGUP_CONCURRENCY` at a time. */
async function hangUps(url: string, count: number): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) {
      next++
      await hangUpMidStream(url)
    }
  }
  await Promise.all(Array.from({ length: Math.min(HANGUP_CONCURRENCY, count) }, worker))
}

/** Polls, boundedly, until `read()` is at most `limit`; returns the last value. */
async function settleTo(read: () => Promise<number> | number, limit: number, ms = 5_000): Promise<number> {
  const deadline = Date.now() + ms
  let value = await read()
  while (value > limit && Date.now() < deadline) {
    await sleep(50)
    value = await read()
  }
  return value
}

/** Reads a response at a trickle: one chunk, then a pause, until `ms` pass. Returns bytes read. */
function readSlowly(url: string, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let read = 0
    const req = http.get(url, { headers: AUTH, agent: false }, (res) => {
      const stop = setTimeout(() => {
        req.destroy()
        resolve(read)
      }, ms)
      res.on('data', (chunk: Buffer) => {
        read += chunk.length
        res.pause()
        setTimeout(() => res.resume(), 10)
      })
      res.on('error', () => clearTimeout(stop))
    })
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)))
  })
}

function upstreamRecords(marker: string) {
  return upstream.received.filter((request) => request.url.includes(marker))
}

for (const name of HTTP_TARGETS) {
  describe(`client faults: ${name}`, () => {
    let target: HttpTarget
    beforeAll(async () => {
      target = await startTarget(name, {
        OXY_TARGET: upstream.url,
        OXY_ROUTES: `/firehose=${firehose.url}`,
      })
    })
    afterAll(() => target?.close())

    it(`should close every upstream request when ${profile.hangups} clients hang up mid-stream, and leave no socket behind`, async ({
      task,
    }) => {
      const tally = createTally(task, 'client faults: hang-ups', name)
      expect((await fetch(`${target.url}/v1/models`, { headers: AUTH })).status).toBe(200)
      const socketsBefore = await socketCount(target.pid)
      const marker = `hangup-${name}`
      await hangUps(`${target.url}/fake/stream?chunks=500&delay=20&${marker}`, profile.hangups)
      const records = upstreamRecords(marker)
      const ends = await withTimeout(
        Promise.all(records.map((record) => record.done)),
        15_000,
        'upstream requests left open',
      )
      for (const [index, end] of ends.entries())
        await tally.check(`client ${index}`, () =>
          expect(end.aborted, 'upstream request not closed').toBe(true),
        )
      await tally.check('one upstream request per client', () =>
        expect(records).toHaveLength(profile.hangups),
      )
      // Keep-alive sockets to the upstream may stay pooled; sockets of the aborted exchanges may not.
      const socketsAfter = await settleTo(() => socketCount(target.pid), socketsBefore + 2)
      await tally.check('sockets back to where they were', () =>
        expect(socketsAfter).toBeLessThanOrEqual(socketsBefore + 2),
      )
      await tally.check('still serving', async () =>
        expect((await fetch(`${target.url}/v1/models`, { headers: AUTH })).status).toBe(200),
      )
      tally.finish()
    }, 120_000)

    it('should hold memory bounded for a client that reads slowly (backpressure)', async ({ task }) => {
      const tally = createTally(task, 'client faults: slow reader', name)
      const rssBefore = await rssBytes(target.pid)
      const read = await readSlowly(`${target.url}/firehose/big`, SLOW_READ_MS)
      const inFlight = firehose.written() - read
      const rssGrowth = (await rssBytes(target.pid)) - rssBefore
      task.meta.measured = { read, written: firehose.written(), inFlight, rssGrowth }
      // Loopback socket buffers can hold several MB each way; an engine that ignores backpressure
      // pulls the upstream at memory speed (the firehose allows 2 GB).
      await tally.check('bytes between upstream and client', () =>
        expect(inFlight).toBeLessThan(64 * 2 ** 20),
      )
      await tally.check('proxy RSS growth', () => expect(rssGrowth).toBeLessThan(96 * 2 ** 20))
      await tally.check('the client read something', () => expect(read).toBeGreaterThan(0))
      tally.finish()
    })
  })
}

describe('client faults: node server in process', () => {
  it(`should leave no connection, socket or listener behind after ${profile.hangups} hang-ups`, async ({
    task,
  }) => {
    const tally = createTally(task, 'client faults: hang-ups (handles)', 'node in-process')
    const config = parseConfig({
      ...SECRET_ENV,
      OXY_TARGET: upstream.url,
      OXY_HOST: '127.0.0.1',
      OXY_PORT: '0',
    })
    const running = await startServer(config, createLogger('off'))
    try {
      const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length
      const listeners = () =>
        running.server.listenerCount('request') + running.server.listenerCount('connection')
      const connections = () =>
        new Promise<number>((resolve, reject) =>
          running.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
        )
      const before = { sockets: sockets(), listeners: listeners() }
      const marker = 'hangup-in-process'
      await hangUps(`${running.url}/fake/stream?chunks=500&delay=20&${marker}`, profile.hangups)
      const records = upstreamRecords(marker)
      const ends = await withTimeout(Promise.all(records.map((r) => r.done)), 15_000, 'upstream left open')
      await tally.check('every upstream request closed', () =>
        expect(ends.filter((end) => !end.aborted)).toEqual([]),
      )
      await tally.check('server connections', async () => expect(await settleTo(connections, 0)).toBe(0))
      await tally.check('process sockets', async () =>
        expect(await settleTo(sockets, before.sockets + 2)).toBeLessThanOrEqual(before.sockets + 2),
      )
      await tally.check('server listeners', () => expect(listeners()).toBe(before.listeners))
      tally.finish()
    } finally {
      await running.close(1_000)
    }
  }, 120_000)
})
