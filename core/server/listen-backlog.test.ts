import { readFileSync } from 'node:fs'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { statusOf } from '../../test/reliability/raw-post'
import { killSpawned, spawnMain } from '../../test/spawn-main'
import { HEALTH_PATH } from '../policy'

/** Past Node's default backlog of 511, well under LISTEN_BACKLOG and the usual OS cap (4096). */
const BURST = 600
/** Loopback handshakes take microseconds; this only bounds a run where some never complete. */
const CONNECT_WAIT_MS = 5_000

/** The kernel's cap on any listen backlog; 0 where there is no such file (not Linux). */
function somaxconn(): number {
  try {
    return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim())
  } catch {
    return 0
  }
}

/** Opens `count` connections; resolves with those whose handshake completed within `waitMs`. */
function connectMany(port: number, count: number, waitMs: number): Promise<net.Socket[]> {
  return new Promise((resolve) => {
    const connected: net.Socket[] = []
    const done = () => {
      clearTimeout(timer)
      resolve(connected)
    }
    const timer = setTimeout(done, waitMs)
    for (let i = 0; i < count; i++) {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        connected.push(socket)
        if (connected.length === count) done()
      })
      socket.on('error', () => {})
    }
  })
}

/** Sends one request on an open connection and resolves with the status of its answer. */
function askHealth(socket: net.Socket): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      text += chunk
    })
    socket.once('close', () => resolve(statusOf(text)))
    socket.write(`GET ${HEALTH_PATH} HTTP/1.1\r\nHost: oxy.test\r\nConnection: close\r\n\r\n`)
  })
}

afterEach(killSpawned)

describe('the listen backlog (self-hosted server process)', () => {
  // A stopped process accepts nothing, as a busy one accepts too little: every handshake beyond
  // the backlog is dropped and its client waits for a SYN retry (1 s, 3 s, 7 s ...) or is reset.
  it.skipIf(process.platform !== 'linux' || somaxconn() <= BURST)(
    'should let a burst of connections complete while the server cannot accept, then serve each',
    async () => {
      const server = spawnMain({ OXY_TARGET: 'http://127.0.0.1:9' })
      const port = Number(new URL(await server.listening()).port)
      server.child.kill('SIGSTOP')
      let sockets: net.Socket[]
      try {
        sockets = await connectMany(port, BURST, CONNECT_WAIT_MS)
      } finally {
        server.child.kill('SIGCONT')
      }
      expect(sockets.length).toBe(BURST)
      const statuses = await Promise.all(sockets.map(askHealth))
      expect(statuses.filter((status) => status === 200).length).toBe(BURST)
    },
    60_000,
  )
})
