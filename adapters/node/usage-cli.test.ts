import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useUnzippedArtifact } from '../../test/boot-artifact'
import { runUsageCli } from './usage-cli'

const logLine = (
  key: string,
  model: string,
  prompt: number,
  completion: number,
  time = '2026-12-01T08:00:00.000Z',
) =>
  JSON.stringify({
    time,
    level: 'info',
    msg: 'request',
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    key,
    model,
    prompt_tokens: prompt,
    completion_tokens: completion,
  })

const DOCKER = [
  `2026-12-01T08:00:00.1Z {"time":"2026-12-01T08:00:00.000Z","level":"info","msg":"listening","url":"http://0.0.0.0:9000"}`,
  `2026-12-01T08:00:01.1Z ${logLine('alice', 'gpt-4o-mini', 10, 20)}`,
  'some stack trace line',
  `2026-12-01T08:00:02.1Z ${logLine('alice', 'gpt-4o-mini', 1, 2)}`,
].join('\n')
const CLOUDWATCH = JSON.stringify(
  {
    events: [
      { timestamp: 1, message: `${logLine('bob', 'gpt-4o', 100, 200, '2026-11-20T08:00:00.000Z')}\n` },
    ],
  },
  null,
  4,
)

async function run(argv: string[], stdin = '') {
  let out = ''
  let err = ''
  const code = await runUsageCli(argv, {
    stdin: Readable.from([stdin]),
    write: (text) => {
      out += text
    },
    writeError: (text) => {
      err += text
    },
  })
  return { code, out, err }
}

describe('oxy usage', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'oxy-usage-'))
    await writeFile(path.join(dir, 'docker.log'), DOCKER)
    await writeFile(path.join(dir, 'cloudwatch.json'), CLOUDWATCH)
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('should sum a mix of files into one JSON array per key and model', async () => {
    const { code, out } = await run([
      '--json',
      path.join(dir, 'docker.log'),
      path.join(dir, 'cloudwatch.json'),
    ])
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual([
      { key: 'alice', model: 'gpt-4o-mini', requests: 2, prompt_tokens: 11, completion_tokens: 22 },
      { key: 'bob', model: 'gpt-4o', requests: 1, prompt_tokens: 100, completion_tokens: 200 },
    ])
  })

  it('should read standard input when no file is given, and honour --since', async () => {
    const { code, out } = await run(['--since', '2026-11-30'], `${DOCKER}\n${CLOUDWATCH}`)
    expect(code).toBe(0)
    expect(out).toContain('alice  gpt-4o-mini')
    expect(out).not.toContain('bob')
  })

  it('should exit 2 with the usage for bad arguments and 1 for a missing file', async () => {
    expect((await run(['--since'])).code).toBe(2)
    const missing = await run([path.join(dir, 'nope.log')])
    expect(missing.code).toBe(1)
    expect(missing.err).toContain('cannot read')
  })
})

function spawnWithStdin(args: string[], stdin: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
  })
  child.stderr.on('data', (chunk) => {
    out += chunk
  })
  child.stdin.end(stdin)
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, out }))
}

describe('node oxy.cjs usage (the node-server bundle) and npm run usage', () => {
  const artifact = useUnzippedArtifact('node-server.zip')
  const expected = [
    { key: 'alice', model: 'gpt-4o-mini', requests: 2, prompt_tokens: 11, completion_tokens: 22 },
  ]

  it('should read stdin and print JSON from the bundle, without starting a server', async () => {
    const { code, out } = await spawnWithStdin(
      [path.join(artifact().dir, 'oxy.cjs'), 'usage', '--json'],
      DOCKER,
    )
    expect(code, out).toBe(0)
    expect(JSON.parse(out)).toEqual(expected)
  })

  it('should do the same from a clone', async () => {
    const tsx = createRequire(import.meta.url).resolve('tsx')
    const main = new URL('./main.ts', import.meta.url).pathname
    const { code, out } = await spawnWithStdin(['--import', tsx, main, 'usage', '--json'], DOCKER)
    expect(code, out).toBe(0)
    expect(JSON.parse(out)).toEqual(expected)
  })
})
