import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTimeout } from '../conformance'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import type { Firehose } from './firehose'
import { startFirehose } from './firehose'
import { functionUrlEvent } from './lambda-events'
import type { LambdaTarget } from './lambda-targets'
import { useLambdaTarget } from './lambda-targets'
import { createTally } from './tally'

/** How long the runtime API reads slowly before the test compares what was written and read. */
const SLOW_READ_MS = 2_000
/** One 16 KB read every 20 ms: ~0.8 MB/s, far slower than loopback. */
const READ_BYTES = 16 * 1024
const READ_EVERY_MS = 20

interface SlowRuntimeApi {
  readonly url: string
  read(): number
  close(): Promise<void>
}

/**
 * A Lambda runtime API that takes the streamed response slowly, as a slow viewer behind a
 * function URL makes it do. A handler that ignores write() returning false pulls the upstream at
 * memory speed regardless.
 */
async function startSlowRuntimeApi(): Promise<SlowRuntimeApi> {
  let read = 0
  const timers = new Set<NodeJS.Timeout>()
  const server = http.createServer((req) => {
    req.pause()
    const timer = setInterval(() => {
      const chunk = req.read(READ_BYTES) as Buffer | null
      if (chunk) read += chunk.length
    }, READ_EVERY_MS)
    timers.add(timer)
    req.once('close', () => clearInterval(timer))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/2018-06-01/runtime/invocation/slow/response`,
    read: () => read,
    async close() {
      for (const timer of timers) clearInterval(timer)
      server.closeAllConnections()
      server.close()
    },
  }
}

const startLambda = useLambdaTarget()
let upstream: FakeOpenAI
let firehose: Firehose
let runtimeApi: SlowRuntimeApi
let lambda: LambdaTarget
beforeAll(async () => {
  upstream = await startFakeOpenAI()
  firehose = await startFirehose()
  runtimeApi = await startSlowRuntimeApi()
  lambda = await startLambda({ OXY_TARGET: upstream.url, OXY_ROUTES: `/firehose=${firehose.url}` })
})
afterAll(async () => {
  await lambda?.close()
  await runtimeApi?.close()
  await firehose?.close()
  await upstream?.close()
})

describe('client faults: slow reader on Lambda', () => {
  it('should pull the upstream only as fast as the runtime takes the response (lambda streamHandler)', async ({
    task,
  }) => {
    const tally = createTally(task, 'client faults: slow reader', 'lambda streamHandler')
    const invocation = lambda.host.stream(
      'streamHandler',
      functionUrlEvent({ rawPath: '/firehose/big' }),
      runtimeApi.url,
    )
    await new Promise((resolve) => setTimeout(resolve, SLOW_READ_MS))
    const read = runtimeApi.read()
    const inFlight = firehose.written() - read
    task.meta.measured = { read, written: firehose.written(), inFlight }
    // Socket buffers on both loopback hops hold a few MB; without backpressure the handler
    // would pull hundreds of MB from the firehose in the same time.
    await tally.check('bytes between upstream and runtime API', () =>
      expect(inFlight).toBeLessThan(32 * 2 ** 20),
    )
    await tally.check('the runtime API read something', () => expect(read).toBeGreaterThan(0))
    await runtimeApi.close()
    await withTimeout(
      invocation.catch(() => {}),
      10_000,
      'the handler kept running after the stream died',
    )
    tally.finish()
  })
})
