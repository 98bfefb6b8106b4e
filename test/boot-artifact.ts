import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, inject } from 'vitest'
import type { ProxyUnderTest } from './conformance'
import type { UnzippedEntry } from './unzip'
import { unzipTo } from './unzip'

export interface UnzippedArtifact {
  readonly dir: string
  readonly entries: readonly UnzippedEntry[]
}

export interface BootedScript extends ProxyUnderTest {
  readonly child: ChildProcess
  /** Everything the process wrote to stdout so far. */
  output(): string
}

const BOOT_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 2_000
const running = new Set<ChildProcess>()

/**
 * Unzips one of the zips the globalSetup built into a fresh temporary directory before the file's
 * tests, and removes it, and any process still running from it, afterwards.
 */
export function useUnzippedArtifact(zip: string): () => UnzippedArtifact {
  let artifact: UnzippedArtifact | undefined
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), `oxy-${path.basename(zip, '.zip')}-`))
    artifact = { dir, entries: await unzipTo(path.join(inject('artifactsDir'), zip), dir) }
  })
  afterAll(async () => {
    await Promise.all([...running].map((child) => stopChild(child)))
    if (artifact) await rm(artifact.dir, { recursive: true, force: true })
  })
  return () => {
    if (!artifact) throw new Error(`${zip} is not unzipped yet`)
    return artifact
  }
}

/** Stops the child, if still running, with the artifact's other processes after the file's tests. */
export function trackChild(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
}

/**
 * Runs a start script the way SCF and FC do: executed directly (so its mode and shebang count),
 * from its own directory, with only the variables given. The script finds node through
 * OXY_NODE_BIN, which only tests set. Resolves once oxy logs that it listens.
 */
export async function bootScript(script: string, env: Record<string, string>): Promise<BootedScript> {
  const child = spawn(script, [], {
    cwd: path.dirname(script),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OXY_NODE_BIN: process.execPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`${script} did not listen within ${BOOT_TIMEOUT_MS} ms`)),
      BOOT_TIMEOUT_MS,
    )
    const onData = () => {
      const listening = findListeningUrl(stdout)
      if (listening) done(() => resolve(listening))
    }
    const onExit = (code: number | null) => fail(new Error(`${script} exited with ${code}: ${stderr.trim()}`))
    const onError = (error: Error) => fail(error)
    function done(settle: () => void) {
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.off('exit', onExit)
      child.off('error', onError)
      settle()
    }
    function fail(error: Error) {
      done(() => reject(error))
      void stopChild(child)
    }
    child.stdout.on('data', onData)
    child.once('exit', onExit)
    child.once('error', onError)
  })
  return { url, child, output: () => stdout, close: () => stopChild(child) }
}

/**
 * node-server.zip's files are started with `node <file>` (its README); a two-line script in the
 * unzipped folder lets bootScript start one like SCF's and FC's scripts (exec keeps the pid node's).
 */
export async function nodeStartScript(dir: string, file = 'oxy.cjs'): Promise<string> {
  const script = path.join(dir, `start-${file}.sh`)
  await writeFile(script, `#!/bin/sh\nexec "$OXY_NODE_BIN" "$(dirname "$0")/${file}"\n`)
  await chmod(script, 0o755)
  return script
}

/** The `url` of oxy's `listening` log line, when it has been written. */
export function findListeningUrl(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      const record = JSON.parse(line) as { msg?: string; url?: string }
      if (record.msg === 'listening' && record.url) return record.url
    } catch {}
  }
  return undefined
}

/** A loopback port nobody listens on right now. */
export async function findFreePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

/** SIGTERM, as the platforms send; SIGKILL if the drain takes too long for a test. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}
