import { parseConfig } from '../core'
import { createFetchProxy } from '../core/engines/fetch'
import { createLogger } from '../core/server/logger'
import { startServer } from '../core/server/start-server'
import type { ProxyUnderTest } from './conformance'
import { serveFetch } from './serve-fetch'

/** The self-hosted server (node engine) on a free loopback port, configured by these variables. */
export async function startNodeProxy(env: Record<string, string>): Promise<ProxyUnderTest> {
  const config = parseConfig({ OXY_HOST: '127.0.0.1', OXY_PORT: '0', OXY_LOG: 'off', ...env })
  const running = await startServer(config, createLogger('off'))
  return { url: running.url, close: () => running.close(1_000) }
}

/** The fetch engine (Workers, Lambda streaming) served over node:http on a free loopback port. */
export async function startFetchProxy(env: Record<string, string>): Promise<ProxyUnderTest> {
  const proxy = createFetchProxy(parseConfig({ OXY_LOG: 'off', ...env }))
  return serveFetch((request) => proxy.fetch(request))
}
