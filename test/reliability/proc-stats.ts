import { readdir, readFile, readlink } from 'node:fs/promises'

/**
 * What a proxy process holds, read from /proc (Linux, where CI runs): measured from outside, so
 * it works for every process the tests start, whatever runs inside it.
 */

/** Resident set size in bytes. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  if (!kb) throw new Error(`no VmRSS for ${pid}`)
  return Number(kb) * 1024
}

/** Open sockets: file descriptors that link to `socket:[inode]`. */
export async function socketCount(pid: number): Promise<number> {
  const fds = await readdir(`/proc/${pid}/fd`)
  let sockets = 0
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
    if (target.startsWith('socket:')) sockets++
  }
  return sockets
}

/** Direct children of `ppid` whose command name is `name`. */
export async function childPids(ppid: number, name: string): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // comm is in parentheses and may hold spaces; the fields after it are space-separated.
    const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat)
    if (match && match[1] === name && Number(match[2]) === ppid) pids.push(Number(entry))
  }
  return pids
}
