import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

/**
 * A real redis-server (Debian's package, which .ci/run installs) on a free loopback port in a
 * temp dir, for tests that prove counters shared across processes. Nothing is persisted: a
 * restart of Redis starts empty, as a managed Redis without persistence would.
 */

/** OXY_REDIS_SERVER overrides the path. */
export const REDIS_SERVER_PATH = process.env.OXY_REDIS_SERVER ?? '/usr/bin/redis-server'
const START_TIMEOUT_MS = 10_000

export interface RedisServer {
  readonly port: number
  /** redis://127.0.0.1:port, plus credentials and db when asked. */
  url(options?: { user?: string; password?: string; db?: number }): string
  /** SIGKILL: connections reset, as when the host dies. */
  kill(): Promise<void>
  /** SIGSTOP: the port stays open but nothing answers, as on a stalled network. */
  pause(): void
  resume(): void
  /** Starts again on the same port, empty. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export interface RedisServerOptions {
  /** `requirepass`: the default user's password. */
  readonly password?: string
  /** ACL users as `redis-server --user` takes them: `alice on >secret ~* +@all`. */
  readonly users?: readonly string[]
}

/** Undefined, with a loud reason, when there is no redis-server here. */
export function hasRedisServer(): boolean {
  if (existsSync(REDIS_SERVER_PATH)) return true
  const banner = '!'.repeat(78)
  process.stderr.write(
    `\n${banner}\n!! SKIPPING REDIS TESTS: no redis-server at ${REDIS_SERVER_PATH}.\n` +
      `!! Install it with: apt-get install -y redis-server (or set OXY_REDIS_SERVER).\n${banner}\n\n`,
  )
  return false
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'oxy-redis-'))
  const port = await freePort()
  let child: ChildProcess = await launch(dir, port, options)
  return {
    port,
    url({ user, password, db } = {}) {
      const auth =
        password === undefined ? '' : `${encodeURIComponent(user ?? '')}:${encodeURIComponent(password)}@`
      return `redis://${auth}127.0.0.1:${port}${db === undefined ? '' : `/${db}`}`
    },
    async kill() {
      await exit(child, 'SIGKILL')
    },
    pause() {
      child.kill('SIGSTOP')
    },
    resume() {
      child.kill('SIGCONT')
    },
    async restart() {
      await exit(child, 'SIGKILL')
      child = await launch(dir, port, options)
    },
    async stop() {
      child.kill('SIGCONT')
      await exit(child, 'SIGKILL')
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function launch(dir: string, port: number, options: RedisServerOptions): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
  ]
  if (options.password !== undefined) args.push('--requirepass', options.password)
  for (const user of options.users ?? []) args.push('--user', ...user.split(' '))
  const child = spawn(REDIS_SERVER_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const deadline = Date.now() + START_TIMEOUT_MS
  while (!(await answersPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`redis-server did not start on port ${port}:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return child
}

async function exit(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}

/** A raw PING, so the helper depends on nothing it is meant to test. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => done(/^[+-]/.test(chunk.toString())))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}
