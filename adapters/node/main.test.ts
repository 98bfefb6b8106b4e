import { once } from 'node:events'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../../test/fake-openai'
import { startFakeOpenAI } from '../../test/fake-openai'
import { rawJsonBody, sendRaw } from '../../test/raw-http'
import { killSpawned, spawnMain } from '../../test/spawn-main'

/** The server process, started and listening. */
async function startServerProcess(env: Record<string, string>) {
  const spawned = spawnMain(env)
  const url = await spawned.listening()
  return { ...spawned, url, port: Number(new URL(url).port) }
}

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(async () => {
  await upstream.close()
})
afterEach(killSpawned)

describe('main (self-hosted server process)', () => {
  it.each([
    ['OXY_PORT', '70000'],
    ['OXY_TARGET', 'api.openai.com'],
    ['OXY_IDLE_TIMEOUT_MS', '-1'],
  ])('should refuse %s=%s before listening, naming it, with exit code 1', async (variable, value) => {
    const { child, lines, stderr } = spawnMain({ [variable]: value })
    const [code] = await once(child, 'exit')
    expect(code).toBe(1)
    expect(stderr()).toContain(`${variable}=${JSON.stringify(value)}`)
    expect(lines.some((line) => line.msg === 'listening')).toBe(false)
  })

  it('should log where it listens and which upstream it serves, as JSON', async () => {
    const server = await startServerProcess({ OXY_TARGET: upstream.url })
    expect(server.lines[0]).toMatchObject({
      level: 'info',
      msg: 'listening',
      target: upstream.url,
      version: expect.any(String),
    })
  })

  it('should finish in-flight requests on SIGTERM, then exit 0', async () => {
    const server = await startServerProcess({ OXY_TARGET: upstream.url })
    const inFlight = fetch(`${server.url}/fake/slow-first-byte?ms=600`)
    await waitForUpstream('/fake/slow-first-byte')
    server.child.kill('SIGTERM')
    const response = await inFlight
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
    const [code] = await once(server.child, 'exit')
    expect(code).toBe(0)
  })

  it('should answer unparseable requests with OpenAI-shaped 400 and 431, and keep serving', async () => {
    const server = await startServerProcess({ OXY_TARGET: upstream.url })
    const garbage = await sendRaw(
      server.port,
      'GET /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
    )
    expect(garbage.status).toBe(400)
    expect(rawJsonBody(garbage.text)).toMatchObject({ error: { type: 'oxy_error', code: 'invalid_request' } })
    const huge = await sendRaw(
      server.port,
      `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    )
    expect(huge.status).toBe(431)
    expect(rawJsonBody(huge.text)).toMatchObject({
      error: { type: 'oxy_error', code: 'request_headers_too_large' },
    })
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(200)
  })
})

async function waitForUpstream(prefix: string): Promise<void> {
  const before = upstream.received.filter((r) => r.url.startsWith(prefix)).length
  for (let i = 0; i < 300; i++) {
    if (upstream.received.filter((r) => r.url.startsWith(prefix)).length > before) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`no request under ${prefix} reached the upstream`)
}
