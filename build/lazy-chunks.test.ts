import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { RedisServer } from '../test/redis-server'
import { hasRedisServer, startRedisServer } from '../test/redis-server'
import { unzipTo } from '../test/unzip'
import { bundleChunk, bundleEntry } from './bundle'
import type { BundleSpec } from './targets'
import { LIMITS_SOURCE, TARGETS } from './targets'

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** Only the Redis client says this: its presence tells which file carries it. */
const REDIS_MARKER = 'EVALSHA'

describe('the limits chunk in the Node zips', () => {
  it.each(TARGETS.filter((target) => target.bundle.chunks))(
    'should ship $zip with the chunk beside the bundle, and the Redis client only in it',
    async (target) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'oxy-chunk-'))
      try {
        const names = (await unzipTo(path.join(inject('artifactsDir'), target.zip), dir)).map((e) => e.name)
        for (const chunk of (target.bundle.chunks ?? []).filter((c) => c.source === LIMITS_SOURCE)) {
          expect(names).toContain(chunk.name)
          expect(await readFile(path.join(dir, chunk.name), 'utf8')).toContain(REDIS_MARKER)
        }
        expect(await readFile(path.join(dir, target.bundle.name), 'utf8')).not.toContain(REDIS_MARKER)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
  )
})

describe.each([
  ['esm', 'main.mjs', 'oxy-limits.mjs'],
  ['cjs', 'main.js', 'oxy-limits.js'],
] as const)('a %s bundle that loads limits lazily', (format, main, chunkName) => {
  let dir: string
  let redis: RedisServer | undefined
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [path.join(dir, main)], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 15_000,
    })

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'oxy-lazy-'))
    const chunk = { source: LIMITS_SOURCE, name: chunkName }
    const spec: BundleSpec = { entry: 'test/limits-entry.ts', name: main, format, chunks: [chunk] }
    await writeFile(path.join(dir, main), await bundleEntry(spec, ROOT_DIR))
    await writeFile(path.join(dir, chunkName), await bundleChunk(spec, chunk, ROOT_DIR))
    if (hasRedisServer()) redis = await startRedisServer()
  })
  afterAll(async () => {
    await redis?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('should import the chunk file, not carry its code', async () => {
    const code = await readFile(path.join(dir, main), 'utf8')
    expect(code).toContain(`./${chunkName}`)
    expect(code).not.toContain(REDIS_MARKER)
  })

  it('should count in the process when limits are set, from the chunk', async () => {
    const { stdout } = await run({ OXY_KEY_RULES: '{"*":{"rpm":1}}' })
    expect(stdout.trim()).toBe('admitted,rate_limit_exceeded')
  })

  it.skipIf(!hasRedisServer())('should count in Redis when OXY_REDIS_URL is set', async () => {
    const env = { OXY_KEY_RULES: '{"*":{"rpm":1}}', OXY_REDIS_URL: redis!.url() }
    expect((await run(env)).stdout.trim()).toBe('admitted,rate_limit_exceeded')
    // A second process shares the counter: both of its requests are refused.
    expect((await run(env)).stdout.trim()).toBe('rate_limit_exceeded,rate_limit_exceeded')
  })

  it('should never touch the chunk without limits: it runs with the file gone', async () => {
    await unlink(path.join(dir, chunkName))
    expect((await run({})).stdout.trim()).toBe('no limits')
    await expect(run({ OXY_KEY_RULES: '{"*":{"rpm":1}}' })).rejects.toThrow(chunkName)
  })
})
