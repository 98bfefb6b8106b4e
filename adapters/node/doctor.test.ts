import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { generate } from 'selfsigned'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findFreePort, useUnzippedArtifact } from '../../test/boot-artifact'
import { startBufferingFront } from '../../test/buffering-front'
import { REFUSED_TARGET } from '../../test/conformance'
import type { FakeOpenAI } from '../../test/fake-openai'
import { startFakeOpenAI } from '../../test/fake-openai'
import { startNodeProxy } from '../../test/local-proxies'
import { TOKEN_A } from '../../test/owner-controls'
import { runDoctor } from './doctor'
import type { DoctorOptions } from './doctor-args'

interface Closable {
  readonly url: string
  close(): Promise<void>
}

/** Runs the doctor in process and returns its exit code and everything it printed. */
async function doctor(
  url: string,
  options: Partial<DoctorOptions> = {},
): Promise<{ code: number; out: string }> {
  let out = ''
  const code = await runDoctor(
    { url, key: 'sk-test-key', token: undefined, model: 'gpt-4o-mini', timeoutMs: 5_000, ...options },
    (text) => {
      out += text
    },
  )
  return { code, out }
}

/** The report line for one check, e.g. `  FAIL  streaming   ...`. */
function line(out: string, name: string): string {
  const found = out.split('\n').find((text) => new RegExp(`^ {2}\\S+ +${name} `).test(text))
  if (!found) throw new Error(`no ${name} line in:\n${out}`)
  return found
}

/** Listens on a free loopback port and serves with `handle`. */
async function serve(handle: http.RequestListener): Promise<Closable> {
  const server = http.createServer(handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections()
      server.close()
    },
  }
}

/** An upstream that answers every request with one OpenAI error, as OpenAI does for a blocked region. */
function startErrorUpstream(status: number, code: string, message: string): Promise<Closable> {
  return serve((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } }))
  })
}

/**
 * An old Tencent API gateway: only paths under /release reach the function (stage removed,
 * streamed through); anything else gets the gateway's own 404.
 */
function startStageGateway(target: string): Promise<Closable> {
  return serve((req, res) => {
    const url = req.url ?? '/'
    if (!url.startsWith('/release/')) {
      res.writeHead(404, { 'Content-Type': 'application/json' })
      res.end('{"errorCode":-404,"errorMessage":"There is no api match the path"}')
      return
    }
    const upstream = http.request(`${target}${url.slice('/release'.length)}`, {
      method: req.method,
      headers: { ...req.headers, host: new URL(target).host },
    })
    upstream.once('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.once('error', () => res.destroy())
    req.pipe(upstream)
  })
}

describe('oxy doctor', () => {
  let upstream: FakeOpenAI
  const servers: Closable[] = []
  const track = <T extends Closable>(server: T) => {
    servers.push(server)
    return server
  }

  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()))
    await upstream.close()
  })

  it('should pass a healthy endpoint: reachable, health, base URL, models, streaming spread in time', async () => {
    const proxy = track(await startNodeProxy({ OXY_TARGET: upstream.url }))
    const { code, out } = await doctor(`${proxy.url}/v1`)
    expect(code, out).toBe(0)
    expect(line(out, 'reachable')).toMatch(/^ {2}ok/)
    expect(line(out, 'TLS')).toContain('plain HTTP on a local address')
    expect(line(out, 'health')).toMatch(/ok .* oxy 0\.\d+\.\d+ answers \/_oxy\/health/)
    expect(line(out, 'base URL')).toContain(`${proxy.url}/v1`)
    expect(line(out, 'models')).toContain('2 models (gpt-4o-mini, gpt-4o)')
    expect(line(out, 'streaming')).toMatch(/^ {2}ok .*spread over \d+ ms/)
    expect(out).toContain('verdict: every check passed')
    expect(upstream.last('/v1/chat/completions').headers.authorization).toBe('Bearer sk-test-key')
  })

  it('should fail a platform that buffers the stream into one lump, and say what to change', async () => {
    const proxy = track(await startNodeProxy({ OXY_TARGET: upstream.url }))
    const front = track(await startBufferingFront(proxy.url))
    const { code, out } = await doctor(front.url)
    expect(code, out).toBe(1)
    expect(line(out, 'models')).toMatch(/^ {2}ok/)
    expect(line(out, 'streaming')).toMatch(/^ {2}FAIL .*buffered into one lump/)
    expect(out).toContain('RESPONSE_STREAM')
    expect(out).toContain('verdict: 1 check failed')
  })

  it('should catch the /release pitfall behind an API gateway, and pass with the stage', async () => {
    const proxy = track(await startNodeProxy({ OXY_TARGET: upstream.url }))
    const gateway = track(await startStageGateway(proxy.url))

    const without = await doctor(gateway.url)
    expect(without.code, without.out).toBe(1)
    expect(line(without.out, 'base URL')).toContain(
      `${gateway.url} does not reach oxy, but ${gateway.url}/release does`,
    )
    expect(without.out).toContain(`Use ${gateway.url}/release/v1 as the base URL`)
    // It goes on with the form that works, so the user learns everything in one run.
    expect(line(without.out, 'streaming')).toMatch(/^ {2}ok/)

    const withStage = await doctor(`${gateway.url}/release/v1`)
    expect(withStage.code, withStage.out).toBe(0)
    expect(withStage.out).toContain(`base URL for your client: ${gateway.url}/release/v1`)
  })

  it("should recognise OpenAI's region block and say to redeploy elsewhere", async () => {
    const blocked = track(
      await startErrorUpstream(
        403,
        'unsupported_country_region_territory',
        'Country, region, or territory not supported',
      ),
    )
    const proxy = track(await startNodeProxy({ OXY_TARGET: blocked.url }))
    const { code, out } = await doctor(proxy.url)
    expect(code, out).toBe(1)
    expect(line(out, 'health')).toMatch(/^ {2}ok/)
    expect(line(out, 'models')).toContain('HTTP 403 unsupported_country_region_territory')
    expect(out).toContain('Redeploy it in a region OpenAI serves')
  })

  it('should recognise a refused key and an empty quota', async () => {
    const badKey = track(
      await startErrorUpstream(401, 'invalid_api_key', 'Incorrect API key provided: sk-bad.'),
    )
    const bad = await doctor(track(await startNodeProxy({ OXY_TARGET: badKey.url })).url)
    expect(bad.code).toBe(1)
    expect(line(bad.out, 'models')).toContain('HTTP 401 invalid_api_key')
    expect(bad.out).toContain('check it for typos')

    const noQuota = track(
      await startErrorUpstream(429, 'insufficient_quota', 'You exceeded your current quota.'),
    )
    const empty = await doctor(track(await startNodeProxy({ OXY_TARGET: noQuota.url })).url)
    expect(empty.code).toBe(1)
    expect(line(empty.out, 'models')).toContain('HTTP 429 insufficient_quota')
    expect(empty.out).toContain('add credit')
  })

  it('should ask for the access token when the proxy has OXY_ACCESS_KEYS, and pass with it', async () => {
    const proxy = track(await startNodeProxy({ OXY_TARGET: upstream.url, OXY_ACCESS_KEYS: TOKEN_A }))
    const refused = await doctor(proxy.url)
    expect(refused.code).toBe(1)
    expect(line(refused.out, 'models')).toContain('invalid_access_key')
    expect(refused.out).toContain('--token')
    const passed = await doctor(proxy.url, { token: TOKEN_A })
    expect(passed.code, passed.out).toBe(0)
  })

  it('should fail an unreachable endpoint on the first line and skip the rest', async () => {
    // Not REFUSED_TARGET: fetch refuses port 9 itself (https://fetch.spec.whatwg.org/#bad-port).
    const { code, out } = await doctor(`http://127.0.0.1:${await findFreePort()}`)
    expect(code).toBe(1)
    expect(line(out, 'reachable')).toMatch(/^ {2}FAIL .*refused \(ECONNREFUSED\)/)
    expect(line(out, 'models')).toMatch(/^ {2}skip/)
  })

  it('should skip the model checks without --key and still pass', async () => {
    const proxy = track(await startNodeProxy({ OXY_TARGET: upstream.url }))
    const { code, out } = await doctor(proxy.url, { key: undefined })
    expect(code, out).toBe(0)
    expect(line(out, 'models')).toContain('pass --key')
  })

  it('should fail a certificate clients will refuse', async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 })
    const server = https.createServer({ key: pems.private, cert: pems.cert }, (_req, res) => res.end('{}'))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const { code, out } = await doctor(`https://localhost:${(server.address() as AddressInfo).port}`)
      expect(code).toBe(1)
      expect(line(out, 'TLS')).toMatch(/^ {2}FAIL .*not trusted: .*SELF_SIGNED/)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})

describe('node oxy.cjs doctor (the node-server bundle)', () => {
  const artifact = useUnzippedArtifact('node-server.zip')

  function runBundle(args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, [path.join(artifact().dir, 'oxy.cjs'), 'doctor', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.stderr.on('data', (chunk) => {
      out += chunk
    })
    return once(child, 'exit').then(([code]) => ({ code: code as number | null, out }))
  }

  it('should check an endpoint and exit 0 when it is healthy, without starting a server', async () => {
    const upstream = await startFakeOpenAI()
    const proxy = await startNodeProxy({ OXY_TARGET: upstream.url })
    try {
      const { code, out } = await runBundle([proxy.url, '--key', 'sk-test-key'])
      expect(code, out).toBe(0)
      expect(out).toContain('verdict: every check passed')
      expect(out).not.toContain('listening')
    } finally {
      await proxy.close()
      await upstream.close()
    }
  })

  it('should exit 1 when a check fails, and 2 with the usage for bad arguments', async () => {
    expect((await runBundle([REFUSED_TARGET])).code).toBe(1)
    const usage = await runBundle(['--kee', 'x'])
    expect(usage.code).toBe(2)
    expect(usage.out).toContain('usage: oxy doctor <url>')
  })
})
