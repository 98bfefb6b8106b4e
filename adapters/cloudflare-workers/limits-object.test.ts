import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Log, LogLevel, Miniflare } from 'miniflare'
import { parse } from 'smol-toml'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Counter } from '../../core'
import type { BuiltWorker } from '../../test/read-built-worker'
import { readBuiltWorker } from '../../test/read-built-worker'
import type { LimitsNamespace } from './durable-object-store'
import { createDurableObjectStore } from './durable-object-store'
import { openWorkerLimitStore } from './open-limit-store'

const rpm = (name: string, limit: number): Counter => ({
  key: `oxy:limits:{${name}}:rpm`,
  limit,
  windowMs: 60_000,
  cost: 1,
})
const tpd = (name: string, limit: number): Counter => ({
  key: `oxy:limits:{${name}}:tpd:2026-12-01T00`,
  limit,
  windowMs: 3_600_000,
  cost: 0,
})

interface DurableObjectBinding {
  name: string
  class_name: string
}

describe('OxyLimits Durable Object in the built worker.js on workerd', () => {
  let built: BuiltWorker
  let persistDir: string
  const running: Miniflare[] = []

  /** workerd as `wrangler deploy` would configure it from the zip's wrangler.toml. */
  async function boot(): Promise<LimitsNamespace> {
    const toml = parse(built.wranglerToml) as unknown as {
      durable_objects: { bindings: DurableObjectBinding[] }
    }
    const durableObjects = Object.fromEntries(
      toml.durable_objects.bindings.map((b) => [b.name, b.class_name]),
    )
    const mf = new Miniflare({
      modules: true,
      script: built.script,
      compatibilityDate: built.compatibilityDate,
      compatibilityFlags: [...built.compatibilityFlags],
      durableObjects,
      durableObjectsPersist: persistDir,
      bindings: { OXY_LOG: 'off' },
      cf: false,
      log: new Log(LogLevel.WARN),
    })
    running.push(mf)
    await mf.ready
    return (await mf.getDurableObjectNamespace('OXY_LIMITS')) as unknown as LimitsNamespace
  }

  beforeAll(async () => {
    built = await readBuiltWorker(inject('artifactsDir'))
    persistDir = await mkdtemp(path.join(os.tmpdir(), 'oxy-do-'))
  })
  afterEach(async () => {
    await Promise.all(running.splice(0).map((mf) => mf.dispose()))
  })
  afterAll(async () => {
    await rm(persistDir, { recursive: true, force: true })
  })

  it('should bind OXY_LIMITS in wrangler.toml to the class worker.js exports, with its migration', () => {
    const toml = parse(built.wranglerToml) as unknown as {
      durable_objects: { bindings: DurableObjectBinding[] }
      migrations: { tag: string; new_sqlite_classes: string[] }[]
    }
    expect(toml.durable_objects.bindings).toEqual([{ name: 'OXY_LIMITS', class_name: 'OxyLimits' }])
    expect(toml.migrations.flatMap((m) => m.new_sqlite_classes)).toContain('OxyLimits')
    expect(built.script).toMatch(/^export\s*\{[^}]*\bOxyLimits\b[^}]*\}/m)
  })

  it('should use the Durable Object when bound, and count per isolate without the binding', async () => {
    expect(openWorkerLimitStore({ OXY_LIMITS: await boot() }).label).toBe('durable object')
    expect(openWorkerLimitStore({ OXY_TARGET: 'https://api.openai.com' }).label).toBe('memory')
  })

  it('should admit exactly 50 of 200 concurrent requests against rpm 50', async () => {
    const store = openWorkerLimitStore({ OXY_LIMITS: await boot() })
    const results = await Promise.all(Array.from({ length: 200 }, () => store.take([rpm('alice', 50)])))
    expect(results.filter((result) => result.admitted)).toHaveLength(50)
    // Another key has its own object and its own count.
    expect((await store.take([rpm('bob', 50)])).counters[0]?.value).toBe(1)
  })

  it('should refuse after tokens cross the daily budget, and keep the count across a restart', async () => {
    const store = createDurableObjectStore(await boot())
    expect((await store.take([tpd('carol', 1000)])).admitted).toBe(true)
    await store.add([{ key: tpd('carol', 1000).key, amount: 1200, windowMs: 3_600_000 }])
    expect((await store.take([tpd('carol', 1000)])).admitted).toBe(false)
    await Promise.all(running.splice(0).map((mf) => mf.dispose()))

    const restarted = createDurableObjectStore(await boot())
    const after = await restarted.take([tpd('carol', 1000)])
    expect(after.admitted).toBe(false)
    expect(after.counters[0]?.value).toBe(1200)
    expect(after.counters[0]?.resetMs).toBeGreaterThan(0)
  })
})
