import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { withTimeout } from './conformance'

const MAIN = new URL('../adapters/node/main.ts', import.meta.url).pathname
const TSX = createRequire(import.meta.url).resolve('tsx')

export interface SpawnedMain {
  readonly child: ChildProcess
  /** Every JSON line the process wrote to stdout so far, parsed. */
  readonly lines: Record<string, unknown>[]
  /** What it wrote to stderr so far. */
  stderr(): string
  /** The URL of the first `listening` line; rejects if the process exits first. */
  listening(): Promise<string>
}

const spawned: ChildProcess[] = []

/**
 * Runs the self-hosted server the way `npm start` does, in its own process, on a free loopback
 * port. Call killSpawned() in afterEach.
 */
export function spawnMain(env: Record<string, string>): SpawnedMain {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    env: { PATH: process.env.PATH, OXY_HOST: '127.0.0.1', OXY_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  spawned.push(child)
  const lines: Record<string, unknown>[] = []
  let stderr = ''
  let buffered = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const complete = buffered.split('\n')
    buffered = complete.pop() ?? ''
    for (const line of complete) lines.push(JSON.parse(line) as Record<string, unknown>)
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`))),
  )
  exited.catch(() => {})
  const listening = async (): Promise<string> => {
    for (;;) {
      const line = lines.find((entry) => entry.msg === 'listening')
      if (line) return line.url as string
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 10)), exited])
    }
  }
  return {
    child,
    lines,
    stderr: () => stderr,
    listening: () => withTimeout(listening(), 10_000, 'never listened'),
  }
}

export function killSpawned(): void {
  for (const child of spawned.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
}
