import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRedisUrl } from '../policy'
import { RedisClient } from './redis-client'
import { RespError } from './resp'

/** A server speaking just enough RESP: each connection answers every command with `reply(n)`. */
async function startFakeRedis(reply: (connection: number) => string) {
  let connections = 0
  const sockets: net.Socket[] = []
  const server = net.createServer((socket) => {
    const connection = ++connections
    sockets.push(socket)
    socket.on('data', (chunk) => {
      // One command per chunk is enough for these tests: each sends one at a time.
      if (chunk.toString().startsWith('*')) socket.write(reply(connection))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('RedisClient', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
  })
  const client = (port: number, idleReconnectMs?: number) => {
    const c = new RedisClient({
      endpoint: parseRedisUrl('url', `redis://127.0.0.1:${port}`),
      timeoutMs: 500,
      retryDelayMs: 0,
      idleReconnectMs,
    })
    cleanups.push(() => c.close())
    return c
  }

  it('should reconnect after READONLY, as the old primary answers after a failover', async () => {
    const fake = await startFakeRedis((n) =>
      n === 1 ? "-READONLY You can't write against a read only replica.\r\n" : ':1\r\n',
    )
    cleanups.push(fake.close)
    const redis = client(fake.port)
    await expect(redis.command(['INCR', 'k'])).rejects.toBeInstanceOf(RespError)
    expect(await redis.command(['INCR', 'k'])).toBe(1)
    expect(fake.connections()).toBe(2)
  })

  it('should keep the connection for other error replies', async () => {
    const fake = await startFakeRedis(() => '-ERR wrong number of arguments\r\n')
    cleanups.push(fake.close)
    const redis = client(fake.port)
    await expect(redis.command(['INCR'])).rejects.toThrow('wrong number')
    await expect(redis.command(['INCR'])).rejects.toThrow('wrong number')
    expect(fake.connections()).toBe(1)
  })

  it('should fail a command that gets no answer within the timeout, and drop the connection', async () => {
    const fake = await startFakeRedis((n) => (n === 1 ? '' : '+PONG\r\n'))
    cleanups.push(fake.close)
    const redis = client(fake.port)
    await expect(redis.command(['PING'])).rejects.toThrow('did not answer within 500 ms')
    expect(await redis.command(['PING'])).toBe('PONG')
    expect(fake.connections()).toBe(2)
  })

  it('should replace a connection left idle, as a thawed function finds it, and keep a busy one', async () => {
    const fake = await startFakeRedis(() => '+PONG\r\n')
    cleanups.push(fake.close)
    const redis = client(fake.port, 100)
    await redis.command(['PING'])
    await redis.command(['PING'])
    expect(fake.connections()).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await redis.command(['PING'])).toBe('PONG')
    expect(fake.connections()).toBe(2)
  })
})
