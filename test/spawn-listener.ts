import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { stopChild, trackChild } from './boot-artifact'
import type { ProxyUnderTest } from './conformance'

export interface SpawnedListener extends ProxyUnderTest {
  readonly child: ChildProcess
  /** Every line written to stdout or stderr so far. */
  readonly lines: readonly string[]
}

const LISTEN_TIMEOUT_MS = 15_000
/** `deno serve: Listening on http://127.0.0.1:38557/`, and the hosts in test/ say the same. */
const LISTENING = /Listening on (http:\/\/[^\s/]+)\/?/

/**
 * Starts a runtime that serves HTTP on a port it picks and says so with a `Listening on <url>`
 * line, with only the variables given, and resolves once it listens. Processes still running
 * are stopped after the file's tests by useUnzippedArtifact's cleanup, which every caller has.
 */
export async function spawnListener(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: Record<string, string> },
): Promise<SpawnedListener> {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  trackChild(child)
  const lines: string[] = []
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not listen within ${LISTEN_TIMEOUT_MS} ms`), LISTEN_TIMEOUT_MS)
    const onLine = (line: string) => {
      lines.push(line)
      const match = LISTENING.exec(line)
      if (match) {
        clearTimeout(timer)
        child.off('exit', onExit)
        resolve(match[1]!)
      }
    }
    const onExit = (code: number | null) => fail(`exited with ${code}`)
    function fail(reason: string) {
      clearTimeout(timer)
      void stopChild(child)
      reject(new Error(`${command} ${args.join(' ')} ${reason}:\n${lines.join('\n')}`))
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', onLine)
    child.once('exit', onExit)
  })
  return { url, child, lines, close: () => stopChild(child) }
}
