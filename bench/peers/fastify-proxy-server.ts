import type { AddressInfo } from 'node:net'
import fastifyHttpProxy from '@fastify/http-proxy'
import Fastify from 'fastify'

/**
 * The strongest Node peer: fastify with @fastify/http-proxy, which forwards through
 * @fastify/reply-from on an undici Pool (keep-alive by default). Set up the way its README shows,
 * with fastify's logger off (oxy runs with OXY_LOG=off). Prints `{"port":N}` once listening.
 */
const target = process.env.TARGET
if (!target) throw new Error('TARGET is required')

const app = Fastify({ logger: false, keepAliveTimeout: 120_000, bodyLimit: 64 * 1024 * 1024 })
await app.register(fastifyHttpProxy, {
  upstream: target,
  prefix: '/',
  http2: false,
  // reply-from's undici Pool opens at most 128 upstream connections by default: 1,000 concurrent
  // SSE streams would queue behind the first 128 (each held for the stream's whole length).
  // Like http-proxy's agent with maxSockets: Infinity, as a deployment serving streams sets it.
  undici: { connections: 20_000 },
})
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1', backlog: 4096 })
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`)
process.once('SIGTERM', () => process.exit(0))
