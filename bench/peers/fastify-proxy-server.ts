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
await app.register(fastifyHttpProxy, { upstream: target, prefix: '/', http2: false })
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1', backlog: 4096 })
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`)
process.once('SIGTERM', () => process.exit(0))
