import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import { createRequire } from 'node:module'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../policy'
import { capYoungGenerationWhenBusy, parseYoungGeneration } from './cap-young-generation'

const TSX = createRequire(import.meta.url).resolve('tsx')
const CHILD = new URL('./cap-young-generation.child.ts', import.meta.url).pathname

describe(parseYoungGeneration, () => {
  it('should cap by default and leave V8 alone only when asked', () => {
    expect(parseYoungGeneration({})).toBe('small')
    expect(parseYoungGeneration({ OXY_YOUNG_GENERATION: ' Small ' })).toBe('small')
    expect(parseYoungGeneration({ OXY_YOUNG_GENERATION: 'v8' })).toBe('v8')
  })

  it('should refuse another value, naming the variable', () => {
    expect(() => parseYoungGeneration({ OXY_YOUNG_GENERATION: 'tiny' })).toThrow(ConfigError)
    expect(() => parseYoungGeneration({ OXY_YOUNG_GENERATION: 'tiny' })).toThrow(
      /OXY_YOUNG_GENERATION="tiny"/,
    )
  })
})

describe(capYoungGenerationWhenBusy, () => {
  const cleanup: (() => void)[] = []
  afterEach(() => {
    for (const step of cleanup.splice(0)) step()
  })

  it('should apply the cap once, when the server first has that many open connections', async () => {
    const server = http.createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanup.push(() => server.close())
    let applied = 0
    capYoungGenerationWhenBusy(server, async () => void applied++, 3)
    const { port } = server.address() as net.AddressInfo
    const connect = async () => {
      const accepted = once(server, 'connection')
      const socket = net.connect(port, '127.0.0.1')
      cleanup.push(() => socket.destroy())
      await accepted
      return socket
    }
    const first = await connect()
    await connect()
    expect(applied).toBe(0)
    // A closed connection no longer counts: two open again, still not busy.
    const closed = once(first, 'close')
    first.destroy()
    await closed
    await new Promise((resolve) => setTimeout(resolve, 50))
    await connect()
    expect(applied).toBe(0)
    await connect()
    expect(applied).toBe(1)
    await connect()
    expect(applied).toBe(1)
  })

  it('should stop the young generation growing under load once applied', async () => {
    const youngMb = async (cap: 'on' | 'off') => {
      const child = spawn(process.execPath, ['--import', TSX, CHILD], {
        env: { PATH: process.env.PATH, CAP: cap },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      await once(child, 'exit')
      clearTimeout(timer)
      return JSON.parse(out.trim()) as { beforeMb: number; youngMb: number }
    }
    const [capped, uncapped] = await Promise.all([youngMb('on'), youngMb('off')])
    // Capped, they stay where start-up left them (1-4 MB each, more on a loaded machine, where
    // tsx's loader allocates longer); V8 alone grows them to 16 MB each under this allocation.
    expect(capped.youngMb).toBeLessThanOrEqual(capped.beforeMb)
    expect(capped.youngMb).toBeLessThan(16)
    expect(uncapped.youngMb).toBeGreaterThanOrEqual(16)
  }, 90_000)
})
