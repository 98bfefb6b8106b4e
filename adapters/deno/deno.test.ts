import { readFile } from 'node:fs/promises'
import path from 'node:path'
import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useUnzippedArtifact } from '../../test/boot-artifact'
import { describeConformance, withTimeout } from '../../test/conformance'
import { denoBinary } from '../../test/deno-binary'
import type { FakeOpenAI, ReceivedRequest } from '../../test/fake-openai'
import { sha256, startFakeOpenAI } from '../../test/fake-openai'
import { describeOwnerControls } from '../../test/owner-controls'
import { PLATFORM_HEADERS } from '../../test/platform-headers'
import type { SpawnedListener } from '../../test/spawn-listener'
import { spawnListener } from '../../test/spawn-listener'

const artifact = useUnzippedArtifact('deno.zip')

/** The command the guide gives, on a port Deno picks, with only the variables given. */
function denoServe(env: Record<string, string>, permissions = ['--allow-net', '--allow-env']) {
  return spawnListener(
    denoBinary(),
    ['serve', ...permissions, '--host', '127.0.0.1', '--port', '0', 'main.js'],
    {
      cwd: artifact().dir,
      env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', ...env },
    },
  )
}

describeConformance('Deno main.js under deno serve', (env) => denoServe({ OXY_LOG: 'off', ...env }), {
  decodesBody: true,
  platformHeaders: PLATFORM_HEADERS.denoDeploy,
})

describeOwnerControls('Deno main.js under deno serve', (env) => denoServe({ OXY_LOG: 'off', ...env }))

describe('deno.zip', () => {
  it('should hold one main.js that imports nothing, needs no Node and exports a default fetch', async () => {
    expect(artifact().entries.map((entry) => entry.name)).toEqual(['main.js'])
    const script = await readFile(path.join(artifact().dir, 'main.js'), 'utf8')
    // Deno Deploy and the playground take the file as it is: any import left would fail to resolve.
    expect(script).not.toMatch(/^\s*import[\s{*]/m)
    expect(script).not.toMatch(/\bimport\s*\(/)
    expect(script).not.toMatch(/\brequire\s*\(/)
    expect(script).not.toContain('node:')
    expect(script).not.toMatch(/\bprocess\.env\b/)
    expect(script).toMatch(/^export\s*\{\s*\n?\s*\w+ as default\s*\n?\};?\s*$/m)
  })
})

describe('main.js under deno serve', () => {
  let upstream: FakeOpenAI
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(() => upstream?.close())

  it('should answer every request with a JSON 500 naming a bad variable, and say so once', async () => {
    const proxy = await denoServe({ OXY_TARGET: 'ftp://api.openai.com' })
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-test-key', maxRetries: 0 })
    const failure = await client.models.list().catch((caught: unknown) => caught)
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError)
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: 'OXY_TARGET="ftp://api.openai.com" is invalid: expected an http:// or https:// URL',
      type: 'oxy_error',
      code: 'invalid_config',
    })
    const health = await fetch(`${proxy.url}/_oxy/health`)
    expect(health.status).toBe(500)
    expect(health.headers.get('access-control-allow-origin')).toBe('*')
    await proxy.close()
    expect(proxy.lines.filter((line) => line.includes('OXY_TARGET='))).toHaveLength(1)
  })

  it('should cancel the upstream request when the client leaves before the first byte', async () => {
    const proxy = await denoServe({ OXY_TARGET: upstream.url, OXY_LOG: 'off' })
    const controller = new AbortController()
    const pending = fetch(`${proxy.url}/fake/slow-first-byte?ms=5000`, { signal: controller.signal })
    pending.catch(() => {})
    const seen = await waitForRequest(upstream, '/fake/slow-first-byte')
    controller.abort()
    const outcome = await withTimeout(seen.done, 3_000, 'the upstream request outlived the client')
    expect(outcome.aborted).toBe(true)
  })

  it("should stream a 25 MB upload, the most OpenAI's transcription takes, to the upstream intact", async () => {
    const proxy = await denoServe({ OXY_TARGET: upstream.url, OXY_LOG: 'off' })
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-test-key', maxRetries: 0 })
    const audio = Buffer.alloc(25 * 1024 * 1024)
    for (let i = 0; i < audio.length; i += 4096) audio[i] = (i / 4096) & 0xff
    const result = (await client.audio.transcriptions.create({
      file: await toFile(audio, 'speech.mp3', { type: 'audio/mpeg' }),
      model: 'whisper-1',
    })) as unknown as { file_bytes: number; file_sha256: string }
    expect(result.file_bytes).toBe(audio.length)
    expect(result.file_sha256).toBe(sha256(audio))
  })

  it('should log one JSON line per request, without the key', async () => {
    const proxy = await denoServe({ OXY_TARGET: upstream.url })
    const response = await fetch(`${proxy.url}/v1/models`, {
      headers: { Authorization: 'Bearer sk-secret-key' },
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    const line = await waitForLine(proxy, (text) => text.includes('"path":"/v1/models"'))
    expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: 'request', method: 'GET', status: 200 })
    expect(proxy.lines.join('\n')).not.toContain('sk-secret-key')
  })

  it('should say how to fix a missing --allow-env and serve on the defaults', async () => {
    const proxy = await denoServe({ OXY_TARGET: upstream.url, OXY_LOG: 'off' }, ['--allow-net'])
    const health = await fetch(`${proxy.url}/_oxy/health`)
    expect(health.status).toBe(200)
    const line = await waitForLine(proxy, (text) => text.includes('--allow-env'))
    expect(JSON.parse(line)).toMatchObject({ level: 'warn' })
  })
})

/** Waits, boundedly, for a line the process wrote. */
async function waitForLine(proxy: SpawnedListener, match: (line: string) => boolean): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = proxy.lines.find(match)
    if (found) return found
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`no matching line in ${JSON.stringify(proxy.lines)}`)
}

/** Waits, boundedly, until the upstream has seen a request for the path. */
async function waitForRequest(upstream: FakeOpenAI, path: string): Promise<ReceivedRequest> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const found = upstream.received.find((request) => request.url.startsWith(path))
    if (found) return found
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`the upstream never saw ${path}`)
}
