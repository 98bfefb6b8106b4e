import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { AwsLambdaGlobal } from './stream-handler'
import { StreamedEventResponse } from './streamed-event'

/** The runtime's response stream as the handler sees it, holding what it is given until `take`. */
function runtimeStream(highWaterMark = 16) {
  const taken: string[] = []
  let prelude: Record<string, unknown> | undefined
  let pending: (() => void) | undefined
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      taken.push(chunk.toString())
      pending = done
    },
  })
  const runtime: AwsLambdaGlobal = {
    streamifyResponse: (handler) => handler,
    HttpResponseStream: {
      from(target, metadata) {
        prelude = metadata
        return target
      },
    },
  }
  const take = () => {
    const done = pending
    pending = undefined
    done?.()
  }
  return { stream, runtime, taken, take, prelude: () => prelude }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('StreamedEventResponse', () => {
  it('should send the prelude once, with cookies apart, before the first chunk', async () => {
    const { stream, runtime, taken, take, prelude } = runtimeStream()
    const res = new StreamedEventResponse(runtime, stream)
    res.writeHead(200, ['Content-Type', 'text/event-stream', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'])
    res.flushHeaders()
    expect(prelude()).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream' },
      cookies: ['a=1', 'b=2'],
    })
    take()
    res.write('data: 1\n\n')
    await tick()
    take()
    res.end()
    await res.done
    expect(taken).toEqual(['', 'data: 1\n\n'])
    expect(stream.writableEnded).toBe(true)
  })

  it("should take the engine's chunks only as fast as the runtime takes them", async () => {
    const { stream, runtime, taken, take } = runtimeStream(1)
    const res = new StreamedEventResponse(runtime, stream)
    res.writeHead(200, ['Content-Type', 'application/octet-stream'])
    const big = 'x'.repeat(64 * 1024)
    expect(res.write(big)).toBe(false)
    await tick()
    // The empty first write carries the prelude; the runtime has not taken it yet.
    expect(taken).toEqual([''])
    let drained = false
    res.once('drain', () => {
      drained = true
    })
    take()
    await tick()
    expect(taken).toEqual(['', big])
    expect(drained).toBe(false)
    take()
    await tick()
    expect(drained).toBe(true)
  })

  it('should send a bodiless answer its prelude, then end', async () => {
    const { stream, runtime, taken, take, prelude } = runtimeStream()
    const res = new StreamedEventResponse(runtime, stream)
    res.writeHead(204, [])
    res.end()
    take()
    await res.done
    expect(prelude()?.statusCode).toBe(204)
    expect(taken).toEqual([''])
  })

  it('should fail the invocation when the engine cuts the response, and never end it cleanly', async () => {
    const { stream, runtime, take } = runtimeStream()
    const res = new StreamedEventResponse(runtime, stream)
    res.writeHead(200, ['Content-Type', 'text/event-stream'])
    res.write('data: 1\n\n')
    take()
    res.destroy()
    await expect(res.done).rejects.toThrow(/cut before its end/)
    expect(stream.writableEnded).toBe(false)
  })

  it('should stop the engine, without failing, when the runtime stream closes first', async () => {
    const { stream, runtime } = runtimeStream()
    const res = new StreamedEventResponse(runtime, stream)
    let closed = false
    res.once('close', () => {
      closed = true
    })
    res.writeHead(200, ['Content-Type', 'text/event-stream'])
    res.write('data: 1\n\n')
    stream.destroy()
    await res.done
    expect(closed).toBe(true)
    expect(res.writableFinished).toBe(false)
  })

  it('should stop the engine also while it waits for the runtime to drain', async () => {
    const { stream, runtime } = runtimeStream(1)
    const res = new StreamedEventResponse(runtime, stream)
    res.writeHead(200, ['Content-Type', 'application/octet-stream'])
    expect(res.write('x'.repeat(64 * 1024))).toBe(false)
    await tick()
    stream.destroy()
    await res.done
    expect(res.destroyed).toBe(true)
  })
})
