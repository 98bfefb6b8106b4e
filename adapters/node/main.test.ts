import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../../test/fake-openai'
import { startFakeOpenAI } from '../../test/fake-openai'
import { rawJsonBody, sendRaw } from '../../test/raw-http'

const MAIN = new URL('./main.ts', import.meta.url).pathname
const TSX = createRequire(import.meta.url).resolve('tsx')

interface Started {
  readonly child: ChildProcess
  readonly url: string
  readonly port: number
  readonly stdout: string[]
}

const children: ChildProcess[] = []

/** Runs the self-hosted server the way `npm start` does, in its own process. */
function spawnServer(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    env: { PATH: process.env.PATH, OXY_HOST: '127.0.0.1', OXY_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  return child
}

async function startServerProcess(env: Record<string, string>): Promise<Started> {
  const child = spawnServer(env)
  const stdout: string[] = []
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        stdout.push(line)
        const parsed = JSON.parse(line) as { msg: string; url?: string }
        if (parsed.msg === 'listening' && parsed.url) resolve(parsed.url)
      }
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
  return { child, url, port: Number(new URL(url).port), stdout }
}

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(async () => {
  await upstream.close()
})
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

describe('main (self-hosted server process)', () => {
  it.each([
    ['OXY_PORT', '70000'],
    ['OXY_TARGET', 'api.openai.com'],
    ['OXY_IDLE_TIMEOUT_MS', '-1'],
  ])('should refuse %s=%s before listening, naming it, with exit code 1', async (variable, value) => {
    const child = spawnServer({ [variable]: value })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const [code] = await once(child, 'exit')
    expect(code).toBe(1)
    expect(stderr).toContain(`${variable}=${JSON.stringify(value)}`)
    expect(stdout).not.toContain('listening')
  })

  it('should log where it listens and which upstream it serves, as JSON', async () => {
    const server = await startServerProcess({ OXY_TARGET: upstream.url })
    const started = JSON.parse(server.stdout[0]!) as Record<string, unknown>
    expect(started).toMatchObject({
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
