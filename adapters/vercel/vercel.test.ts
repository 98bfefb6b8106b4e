import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useUnzippedArtifact } from '../../test/boot-artifact'
import { describeConformance, withTimeout } from '../../test/conformance'
import type { FakeOpenAI, ReceivedRequest } from '../../test/fake-openai'
import { startFakeOpenAI } from '../../test/fake-openai'
import { accessLines, describeGateway } from '../../test/gateway-controls'
import { describeOwnerControls } from '../../test/owner-controls'
import { PLATFORM_HEADERS } from '../../test/platform-headers'
import { spawnListener } from '../../test/spawn-listener'
import { REWRITE_PARAM } from './restore-client-url'

const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/vercel-host-child.mjs')
const artifact = useUnzippedArtifact('vercel.zip')

interface VercelJson {
  regions?: string[]
  functions?: Record<string, { maxDuration?: number }>
  rewrites?: { source: string; destination: string }[]
}

async function readVercelJson(): Promise<VercelJson> {
  return JSON.parse(await readFile(path.join(artifact().dir, 'vercel.json'), 'utf8')) as VercelJson
}

/** The parameter name of vercel.json's catch-all rewrite, `/:name*`, as the build wrote it. */
async function rewriteParam(): Promise<string> {
  const [rewrite] = (await readVercelJson()).rewrites ?? []
  const name = /^\/:(\w+)\*$/.exec(rewrite?.source ?? '')?.[1]
  if (!name) throw new Error(`vercel.json has no catch-all rewrite: ${JSON.stringify(rewrite)}`)
  return name
}

/** api/oxy.js in its own bare node process, called as Vercel's Node.js runtime calls a Web handler. */
async function startVercelFunction(env: Record<string, string>) {
  return spawnListener(
    process.execPath,
    [HOST, path.join(artifact().dir, 'api/oxy.js'), await rewriteParam()],
    { cwd: artifact().dir, env },
  )
}

describeConformance(
  'Vercel api/oxy.js on a Node.js Web-handler host',
  (env) => startVercelFunction({ OXY_LOG: 'off', ...env }),
  { decodesBody: true, platformHeaders: PLATFORM_HEADERS.vercel },
)

describeOwnerControls('Vercel api/oxy.js on a Node.js Web-handler host', (env) =>
  startVercelFunction({ OXY_LOG: 'off', ...env }),
)

describeGateway('Vercel api/oxy.js on a Node.js Web-handler host', async (env) => {
  const listener = await startVercelFunction({ OXY_LOG: 'json', ...env })
  return { url: listener.url, close: listener.close, accessLines: () => accessLines(listener.lines) }
})

describe('vercel.zip', () => {
  it('should hold a project folder: vercel.json, package.json and the one function', () => {
    expect(
      artifact()
        .entries.map((entry) => entry.name)
        .sort(),
    ).toEqual(['api/oxy.js', 'package.json', 'vercel.json'])
  })

  it('should rewrite every path to the function, through the parameter the function removes', async () => {
    const vercel = await readVercelJson()
    expect(vercel.rewrites).toEqual([{ source: `/:${REWRITE_PARAM}*`, destination: '/api/oxy' }])
    // The destination and the functions settings must name the file the zip holds.
    const names = artifact().entries.map((entry) => entry.name)
    expect(names).toContain(`${vercel.rewrites![0]!.destination.slice(1)}.js`)
    for (const file of Object.keys(vercel.functions ?? {})) expect(names).toContain(file)
  })

  it('should run in a region OpenAI serves, within the Hobby plan limit', async () => {
    const vercel = await readVercelJson()
    expect(vercel.regions).toEqual(['iad1'])
    // Hong Kong (hkg1) is refused by OpenAI: https://platform.openai.com/docs/supported-countries
    expect(vercel.regions).not.toContain('hkg1')
    const durations = Object.values(vercel.functions ?? {}).map((settings) => settings.maxDuration)
    expect(durations).toEqual([300])
  })

  it('should declare an ES module project for the Node.js runtime', async () => {
    const pkg = JSON.parse(await readFile(path.join(artifact().dir, 'package.json'), 'utf8'))
    expect(pkg).toMatchObject({ type: 'module', engines: { node: expect.stringMatching(/^\d+\.x$/) } })
    expect(pkg.dependencies).toBeUndefined()
  })
})

describe('api/oxy.js behind a Vercel rewrite', () => {
  let upstream: FakeOpenAI
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(() => upstream?.close())

  it("should show the upstream exactly the client's path and query, not the rewrite's parameter", async () => {
    const proxy = await startVercelFunction({ OXY_TARGET: upstream.url, OXY_LOG: 'off' })
    for (const target of [
      '/fake/echo',
      '/fake/echo?b=2&a=%20x&empty=&flag&oxy_path=mine',
      '/fake/echo?x=a%2Fb',
    ]) {
      const response = await fetch(`${proxy.url}${target}`, { method: 'POST', body: 'x' })
      expect(response.status).toBe(200)
      expect(upstream.last('/fake/echo').url).toBe(target)
    }
  })

  it('should cancel the upstream request when the client leaves before the first byte', async () => {
    const proxy = await startVercelFunction({ OXY_TARGET: upstream.url, OXY_LOG: 'off' })
    const controller = new AbortController()
    const pending = fetch(`${proxy.url}/fake/slow-first-byte?ms=5000`, { signal: controller.signal })
    pending.catch(() => {})
    const seen = await waitForRequest(upstream, '/fake/slow-first-byte')
    controller.abort()
    const outcome = await withTimeout(seen.done, 3_000, 'the upstream request outlived the client')
    expect(outcome.aborted).toBe(true)
  })

  it('should answer every request with a JSON 500 naming a bad variable, and say so once', async () => {
    const proxy = await startVercelFunction({ OXY_TARGET: 'ftp://api.openai.com' })
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-test-key', maxRetries: 0 })
    const failure = await client.models.list().catch((caught: unknown) => caught)
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError)
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('OXY_TARGET="ftp://api.openai.com"'),
    })
    expect((await fetch(`${proxy.url}/_oxy/health`)).status).toBe(500)
    await proxy.close()
    expect(proxy.lines.filter((line) => line.includes('OXY_TARGET='))).toHaveLength(1)
  })
})

/** Waits, boundedly, until the upstream has seen a request for the path. */
async function waitForRequest(upstream: FakeOpenAI, path: string): Promise<ReceivedRequest> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const found = upstream.received.find((request) => request.url.startsWith(path))
    if (found) return found
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`the upstream never saw ${path}`)
}
