import type { ChildProcess } from 'node:child_process'
import { fork } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stopChild } from './boot-artifact'

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lambda-host-child.cjs')

export interface StreamOutcome {
  /** The handler's rejection message, when it failed the invocation. */
  readonly rejected: string | undefined
  readonly writableFinished?: boolean
}

export interface LambdaHost {
  readonly child: ChildProcess
  /** Invokes a buffered handler and returns its result. */
  invoke<T = unknown>(handler: string, event: unknown): Promise<T>
  /** Invokes a streaming handler whose response stream posts to `url` (a fake runtime API). */
  stream(handler: string, event: unknown, url: string): Promise<StreamOutcome>
  /** Everything index.js wrote to stdout. */
  output(): string
  close(): Promise<void>
}

interface Reply {
  readonly id?: number
  readonly ready?: boolean
  readonly result?: unknown
  readonly error?: string
}

/**
 * Loads an unzipped index.js in a fresh node process, as a Lambda cold start does, with only the
 * variables given as its environment.
 */
export async function startLambdaHost(indexFile: string, env: Record<string, string>): Promise<LambdaHost> {
  const child = fork(CHILD, [indexFile], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    // Not the test runner's loaders: the bundle must load in bare node.
    execArgv: [],
    execPath: process.execPath,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  let nextId = 0
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (reply: Reply) => {
      if (reply.ready) return resolve()
      const waiter = reply.id === undefined ? undefined : pending.get(reply.id)
      if (!waiter) return
      pending.delete(reply.id!)
      if (reply.error) waiter.reject(new Error(reply.error))
      else waiter.resolve(reply.result)
    })
    child.once('exit', (code) => {
      const error = new Error(`the Lambda host exited with ${code}: ${stderr.trim()}`)
      reject(error)
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
    })
  })
  await ready

  function send<T>(message: Record<string, unknown>): Promise<T> {
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      child.send({ id, ...message })
    })
  }

  return {
    child,
    invoke: (handler, event) => send({ handler, event }),
    stream: (handler, event, url) => send({ handler, event, streamTo: url }),
    output: () => stdout,
    close: () => stopChild(child),
  }
}
