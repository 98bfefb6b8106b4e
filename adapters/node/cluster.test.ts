import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../core'
import type { FakeOpenAI } from '../../test/fake-openai'
import { startFakeOpenAI } from '../../test/fake-openai'
import { killSpawned, spawnMain } from '../../test/spawn-main'
import { parseWorkers } from './cluster'

let upstream: FakeOpenAI

beforeAll(async () => {
  upstream = await startFakeOpenAI()
})

afterAll(async () => {
  await upstream.close()
})

afterEach(killSpawned)

async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 1_000; i++) {
    const found = probe()
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('parseWorkers', () => {
  it('should run one process when OXY_WORKERS is unset or empty', async () => {
    expect(await parseWorkers({})).toBeUndefined()
    expect(await parseWorkers({ OXY_WORKERS: ' ' })).toBeUndefined()
  })

  it('should take auto as one worker per core, and whole numbers as they are', async () => {
    expect(await parseWorkers({ OXY_WORKERS: 'auto' }, 6)).toBe(6)
    expect(await parseWorkers({ OXY_WORKERS: 'AUTO' }, 0)).toBe(1)
    expect(await parseWorkers({ OXY_WORKERS: '3' })).toBe(3)
  })

  it('should count the cores this process may use for auto', async () => {
    expect(await parseWorkers({ OXY_WORKERS: 'auto' })).toBe(availableParallelism())
  })

  it.each(['0', '-2', '1.5', 'two', '100000'])('should refuse OXY_WORKERS=%s, naming it', async (value) => {
    await expect(parseWorkers({ OXY_WORKERS: value })).rejects.toThrow(ConfigError)
    await expect(parseWorkers({ OXY_WORKERS: value })).rejects.toThrow(`OXY_WORKERS=${JSON.stringify(value)}`)
  })
})

describe('main with OXY_WORKERS (node:cluster)', () => {
  it('should exit 1 naming OXY_WORKERS when its value is bad, before anything listens', async () => {
    const { child, lines, stderr } = spawnMain({ OXY_TARGET: upstream.url, OXY_WORKERS: 'many' })
    const [code] = await once(child, 'exit')
    expect(code).toBe(1)
    expect(stderr()).toContain('OXY_WORKERS="many"')
    expect(lines.some((line) => line.msg === 'listening')).toBe(false)
  })

  it('should serve from two workers, then drain and exit 0 on SIGTERM', async () => {
    const { child, lines } = spawnMain({ OXY_TARGET: upstream.url, OXY_WORKERS: '2' })
    const listening = await waitFor(() => {
      const found = lines.filter((line) => line.msg === 'listening')
      return found.length === 2 ? found : undefined
    }, 'two workers to listen')
    const url = listening[0]!.url as string
    // Both workers share one port.
    expect(listening[1]!.url).toBe(url)

    const responses = await Promise.all(Array.from({ length: 8 }, () => fetch(`${url}/v1/models`)))
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200))
    await Promise.all(responses.map((response) => response.arrayBuffer()))

    const inFlight = fetch(`${url}/fake/slow-first-byte?ms=600`)
    await waitFor(() => upstream.received.find((r) => r.url.startsWith('/fake/slow-first-byte')), 'upstream')
    child.kill('SIGTERM')
    const slow = await inFlight
    expect(slow.status).toBe(200)
    expect(await slow.json()).toEqual({ ok: true })
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
  })
})
