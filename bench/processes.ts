import type { ChildProcess, SpawnOptions } from 'node:child_process'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import net from 'node:net'

/**
 * Every process the bench starts, so that a crash, an error or Ctrl-C still stops them all:
 * a forgotten upstream or nginx would skew the next run and hold its port.
 */
const children = new Set<ChildProcess>()

export function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

export function spawnTracked(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  return track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }))
}

/** SIGTERM, then SIGKILL if the process has not gone within `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 2_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child)))
}

/** Synchronous last resort for process exit paths, where no promise will be awaited. */
export function killAllNow(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
}

/** Stops every child on SIGINT/SIGTERM and on an uncaught error, then exits. */
export function installCleanup(): void {
  const bail = (code: number) => {
    void stopAll().finally(() => process.exit(code))
  }
  process.once('SIGINT', () => bail(130))
  process.once('SIGTERM', () => bail(143))
  process.once('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error}\n`)
    bail(1)
  })
  process.once('exit', killAllNow)
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

/** Waits until something accepts TCP connections on the port; bounded in attempts. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`)
}

/** The process and all its descendants (nginx's workers, the cluster's workers). */
export function processTree(pid: number): number[] {
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) {
    const current = tree[i]!
    let tasks: string[] = []
    try {
      tasks = readdirSync(`/proc/${current}/task`)
    } catch {
      continue
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8').trim()
        if (children) tree.push(...children.split(/\s+/).map(Number))
      } catch {}
    }
  }
  return tree
}

/** The kernel's clock ticks in /proc/<pid>/stat: USER_HZ, 100 on Linux whatever the CPU's clock. */
const TICKS_PER_SECOND = 100

/**
 * CPU time the process tree has used so far, in microseconds, user and system apart (fields 14
 * and 15 of /proc/<pid>/stat, read after the command name, which may hold spaces). A process
 * that is gone counts nothing. Resolution: 10 ms, so read it around a run of seconds.
 */
export function cpuUs(pid: number): { user: number; system: number } {
  let user = 0
  let system = 0
  for (const member of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${member}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // fields[0] is field 3 (state): utime is field 14, stime field 15.
      user += Number(fields[11])
      system += Number(fields[12])
    } catch {}
  }
  const us = 1_000_000 / TICKS_PER_SECOND
  return { user: user * us, system: system * us }
}

/** kB fields of /proc/<pid>/status, summed over the process tree; 0 for a process that is gone. */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  let total = 0
  for (const member of processTree(pid)) {
    try {
      const match = readFileSync(`/proc/${member}/status`, 'utf8').match(
        new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'),
      )
      if (match) total += Number(match[1])
    } catch {}
  }
  return total
}

/** Resident memory now, in MB, of the process tree. */
export const rssMb = (pid: number): number => statusKb(pid, 'VmRSS') / 1024

/**
 * Peak resident memory in MB (the kernel's high-water mark), summed over the tree. For one
 * process it is exact; for nginx's master plus worker it is a slight overestimate.
 */
export const peakRssMb = (pid: number): number => statusKb(pid, 'VmHWM') / 1024
