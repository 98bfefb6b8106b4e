import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import OpenAI from 'openai'
import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { useUnzippedArtifact } from '../../test/boot-artifact'
import { describeConformance } from '../../test/conformance'
import { denoBinary } from '../../test/deno-binary'
import { accessLines, describeGateway } from '../../test/gateway-controls'
import { describeOwnerControls } from '../../test/owner-controls'
import { PLATFORM_HEADERS } from '../../test/platform-headers'
import { spawnListener } from '../../test/spawn-listener'

const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/netlify-edge-host.mjs')
const FUNCTION = 'netlify/edge-functions/oxy.js'
const artifact = useUnzippedArtifact('netlify.zip')

/** The edge function on Deno, Netlify's edge runtime, called as Netlify calls it. */
function startEdgeFunction(env: Record<string, string>) {
  return spawnListener(
    denoBinary(),
    ['run', '--allow-net', '--allow-env', '--allow-read', HOST, path.join(artifact().dir, FUNCTION)],
    {
      cwd: artifact().dir,
      env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', ...env },
    },
  )
}

describeConformance('Netlify edge function on Deno', (env) => startEdgeFunction({ OXY_LOG: 'off', ...env }), {
  decodesBody: true,
  platformHeaders: PLATFORM_HEADERS.netlify,
})

describeOwnerControls('Netlify edge function on Deno', (env) => startEdgeFunction({ OXY_LOG: 'off', ...env }))

describeGateway('Netlify edge function on Deno', async (env) => {
  const listener = await startEdgeFunction({ OXY_LOG: 'json', ...env })
  return { url: listener.url, close: listener.close, accessLines: () => accessLines(listener.lines) }
})

describe('netlify.zip', () => {
  it('should hold a site folder: netlify.toml, the edge function and the fallback page', () => {
    expect(
      artifact()
        .entries.map((entry) => entry.name)
        .sort(),
    ).toEqual(['netlify.toml', FUNCTION, 'public/index.html'])
  })

  it('should point netlify.toml at the folders the zip holds', async () => {
    const toml = parse(await readFile(path.join(artifact().dir, 'netlify.toml'), 'utf8')) as {
      build?: { publish?: string; edge_functions?: string }
      edge_functions?: unknown
    }
    expect(toml.build?.edge_functions).toBe(path.dirname(FUNCTION))
    expect(artifact().entries.some((entry) => entry.name.startsWith(`${toml.build?.publish}/`))).toBe(true)
    // The function declares its own path; a second declaration here would run it twice.
    expect(toml.edge_functions).toBeUndefined()
  })

  it('should declare the edge function on every path and import nothing', async () => {
    const script = await readFile(path.join(artifact().dir, FUNCTION), 'utf8')
    expect(script).not.toMatch(/^\s*import[\s{*]/m)
    expect(script).not.toMatch(/\bimport\s*\(/)
    expect(script).not.toContain('node:')
    expect(script).toMatch(/^var config = \{ path: "\/\*" \};$/m)
  })

  it('should answer every request with a JSON 500 naming a bad variable', async () => {
    const proxy = await startEdgeFunction({ OXY_TARGET: 'ftp://api.openai.com' })
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-test-key', maxRetries: 0 })
    const failure = await client.models.list().catch((caught: unknown) => caught)
    expect(failure).toBeInstanceOf(OpenAI.InternalServerError)
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'invalid_config' })
    await proxy.close()
    expect(proxy.lines.filter((line) => line.includes('OXY_TARGET='))).toHaveLength(1)
  })
})
