import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parseConfig } from '../../core'
import type { ProxyUnderTest } from '../../test/conformance'
import { describeConformance, headerValues, lowerNames } from '../../test/conformance'
import type { FakeOpenAI } from '../../test/fake-openai'
import { MODELS, startFakeOpenAI } from '../../test/fake-openai'
import { describeOwnerControls } from '../../test/owner-controls'
import { PLATFORM_HEADERS } from '../../test/platform-headers'
import type { BuiltWorker } from '../../test/read-built-worker'
import { readBuiltWorker } from '../../test/read-built-worker'
import type { WorkerdOptions } from '../../test/start-workerd'
import { startWorkerd } from '../../test/start-workerd'
import { describeWebSocketPassthrough } from '../../test/websocket-passthrough'

let built: Promise<BuiltWorker> | undefined
/** The zip the globalSetup built from this tree, opened once per file. */
function builtWorker(): Promise<BuiltWorker> {
  built ??= readBuiltWorker(inject('artifactsDir'))
  return built
}

async function startBuiltWorker(
  bindings: Record<string, unknown>,
  options: Pick<WorkerdOptions, 'onOutput' | 'cloudflareSubrequestHeaders'> = {},
): Promise<ProxyUnderTest> {
  const { script, compatibilityDate, compatibilityFlags } = await builtWorker()
  return startWorkerd({ script, compatibilityDate, compatibilityFlags, bindings, ...options })
}

describeConformance(
  'Cloudflare Workers worker.js on workerd',
  (env) => startBuiltWorker({ OXY_LOG: 'off', ...env }),
  {
    decodesBody: true,
    platformHeaders: PLATFORM_HEADERS.cloudflare,
    edgeCompression: 'gzip',
    endsErroredBodiesCleanly:
      'workerd ends an errored response body with a clean chunked terminator: https://github.com/cloudflare/workerd/issues/6818',
  },
)

describeOwnerControls('Cloudflare Workers worker.js on workerd', (env) =>
  startBuiltWorker({ OXY_LOG: 'off', ...env }),
)

describeWebSocketPassthrough('Cloudflare Workers worker.js on workerd', (env) =>
  startBuiltWorker({ OXY_LOG: 'off', ...env }),
)

describe('cloudflare-workers.zip', () => {
  it('should hold worker.js and wrangler.toml, nothing else', async () => {
    expect([...(await builtWorker()).entries].sort()).toEqual(['worker.js', 'wrangler.toml'])
  })

  it('should make worker.js one ES module that imports nothing and needs no Node', async () => {
    const { script } = await builtWorker()
    // The dashboard editor takes a single file: any import left would fail to resolve.
    expect(script).not.toMatch(/^\s*import[\s{*]/m)
    expect(script).not.toMatch(/\bimport\s*\(/)
    expect(script).not.toMatch(/\brequire\s*\(/)
    expect(script).not.toContain('node:')
    expect(script).not.toMatch(/\bprocess\.env\b/)
    expect(script).toMatch(/^export\s*\{\s*\n?\s*\w+ as default\s*\n?\};?\s*$/m)
  })

  it('should point wrangler.toml at worker.js with vars that parse as a valid config', async () => {
    const { wranglerToml } = await builtWorker()
    expect(wranglerToml).toMatch(/^main\s*=\s*"worker\.js"$/m)
    const vars = readVars(wranglerToml)
    expect(vars.OXY_TARGET).toBe('https://api.openai.com')
    expect(parseConfig(vars).target.origin).toBe('https://api.openai.com')
  })
})

describe('worker.js on workerd', () => {
  let upstream: FakeOpenAI
  const running: ProxyUnderTest[] = []

  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(async () => {
    await Promise.all(running.map((proxy) => proxy.close()))
    await upstream?.close()
  })

  async function start(bindings: Record<string, unknown>, cloudflareSubrequestHeaders = false) {
    const output: string[] = []
    const proxy = await startBuiltWorker(bindings, {
      onOutput: (line) => output.push(line),
      cloudflareSubrequestHeaders,
    })
    running.push(proxy)
    return { proxy, output }
  }

  it('should answer every request with a JSON 500 naming a bad variable, and say so once', async () => {
    const { proxy, output } = await start({ OXY_TARGET: 'ftp://api.openai.com' })
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-test-key', maxRetries: 0 })
    const before = upstream.received.length
    const failure = await client.models.list().catch((caught: unknown) => caught)
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError)
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: 'OXY_TARGET="ftp://api.openai.com" is invalid: expected an http:// or https:// URL',
      type: 'oxy_error',
      code: 'invalid_config',
    })
    for (const path of ['/_oxy/health', '/v1/chat/completions']) {
      const response = await fetch(`${proxy.url}${path}`, { method: 'POST', body: '{}' })
      expect(response.status).toBe(500)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_config' } })
    }
    expect(upstream.received.length).toBe(before)
    const reported = await waitForLines(output, (line) => line.includes('OXY_TARGET='))
    expect(reported).toHaveLength(1)
  })

  it('should show the upstream no client header, only the CF-Worker Cloudflare adds to subrequests', async () => {
    const { proxy } = await start({ OXY_TARGET: upstream.url, OXY_LOG: 'off' }, true)
    const response = await fetch(`${proxy.url}/fake/echo`, {
      method: 'POST',
      headers: PLATFORM_HEADERS.cloudflare,
      body: 'x',
    })
    expect(response.status).toBe(200)
    const seen = upstream.last('/fake/echo').rawHeaders
    const names = lowerNames(seen)
    expect(names.filter((name) => name.startsWith('cf-') || name.startsWith('x-forwarded-'))).toEqual([
      'cf-worker',
    ])
    // The runtime's own value (the Worker's zone), which no Worker can remove; never the client's.
    expect(headerValues(seen, 'cf-worker')).toEqual(['worker.example.com'])
  })

  it('should record an upstream that dies mid-stream, which the client cannot see on workerd', async () => {
    const { proxy, output } = await start({ OXY_TARGET: upstream.url })
    await (await fetch(`${proxy.url}/fake/stream?chunks=10&delay=20&reset=2`)).text()
    const [line] = await waitForLines(output, (text) => text.includes('"/fake/stream"'))
    expect(JSON.parse(line!)).toMatchObject({ level: 'warn', status: 200, error: 'upstream_reset' })
  })

  it('should log one JSON access line per request through console.log, without secrets', async () => {
    const { proxy, output } = await start({ OXY_TARGET: upstream.url })
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-secret-key', maxRetries: 0 })
    expect((await client.models.list()).data).toHaveLength(MODELS.data.length)
    const [line] = await waitForLines(output, (text) => text.includes('"/v1/models"'))
    expect(JSON.parse(line!)).toMatchObject({
      msg: 'request',
      method: 'GET',
      path: '/v1/models',
      status: 200,
    })
    expect(output.join('\n')).not.toContain('sk-secret-key')
  })

  it('should write nothing with OXY_LOG=off', async () => {
    const { proxy, output } = await start({ OXY_TARGET: upstream.url, OXY_LOG: 'off' })
    expect((await fetch(`${proxy.url}/v1/models`)).status).toBe(200)
    expect((await fetch(`${proxy.url}/_oxy/health`)).status).toBe(200)
    // A marker request from a logging Worker shows output arrives within the wait used here.
    const logging = await start({ OXY_TARGET: upstream.url })
    await fetch(`${logging.proxy.url}/_oxy/health`)
    await waitForLines(logging.output, (line) => line.includes('/_oxy/health'))
    expect(output).toEqual([])
  })

  it('should read vars written as numbers in wrangler.toml', async () => {
    const { proxy } = await start({ OXY_TARGET: upstream.url, OXY_LOG: 'off', OXY_MAX_BODY_BYTES: 16 })
    const response = await fetch(`${proxy.url}/fake/echo`, { method: 'POST', body: 'x'.repeat(64) })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: { code: 'body_too_large' } })
  })
})

/** Waits, boundedly, for at least one line to match, then returns all that do. */
async function waitForLines(lines: readonly string[], match: (line: string) => boolean): Promise<string[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = lines.filter(match)
    if (found.length > 0) return found
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`no matching line in ${JSON.stringify(lines)}`)
}

/** The `KEY = "value"` lines of wrangler.toml's [vars] table. */
function readVars(toml: string): Record<string, string> {
  const vars: Record<string, string> = {}
  const table = /^\[vars\]$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? ''
  for (const match of table.matchAll(/^(\w+)\s*=\s*"([^"]*)"$/gm)) vars[match[1]!] = match[2]!
  return vars
}
