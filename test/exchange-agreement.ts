import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AccessLogEntry } from '../core'
import type { ProxyUnderTest } from './conformance'
import { REFUSED_TARGET } from './conformance'

/** A proxy under test that also hands over its access-log entries. */
export interface LoggingProxy extends ProxyUnderTest {
  readonly logs: AccessLogEntry[]
}

export type StartLoggingProxy = (env: Record<string, string>) => Promise<LoggingProxy>

const OWNER_KEY = 'sk-owner-agreement-0123456789'
const TOKEN = 'oxy-token-agreement-0123456789'
const ORIGIN = 'https://chat.example.com'
const AUTH = { Authorization: `Bearer ${TOKEN}` }
/** Four characters, twelve bytes in UTF-8: a size logged in characters would say 4. */
const ANSWER = '你好世界'

/**
 * What the engines used to disagree on, asserted the same way on each: the ask route's timeout,
 * the CORS headers of its error replies, and sizes in the access log counted in bytes.
 */
export function describeExchangeAgreement(name: string, start: StartLoggingProxy): void {
  describe(`exchange lifecycle: ${name}`, () => {
    let upstream: http.Server
    let upstreamUrl: string
    const proxies: ProxyUnderTest[] = []
    const startProxy = async (env: Record<string, string>) => {
      const proxy = await start({
        OXY_UPSTREAM_KEY: OWNER_KEY,
        OXY_ACCESS_KEYS: TOKEN,
        OXY_CORS_ORIGINS: ORIGIN,
        ...env,
      })
      proxies.push(proxy)
      return proxy
    }

    beforeAll(async () => {
      // Answers every chat completion with ANSWER, except for the question "wait", which it never answers.
      upstream = http.createServer((req, res) => {
        let body = ''
        req.on('data', (chunk: Buffer) => {
          body += chunk.toString()
        })
        req.on('end', () => {
          if (body.includes('"wait"')) return
          res.writeHead(200, { 'Content-Type': 'application/json' })
          res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: ANSWER } }] }))
        })
      })
      upstream.listen(0, '127.0.0.1')
      await once(upstream, 'listening')
      upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()))
      upstream.closeAllConnections()
      upstream.close()
    })

    it('should answer an ask the upstream does not answer in time with 504 upstream_timeout, readable by the browser', async () => {
      const proxy = await startProxy({ OXY_TARGET: upstreamUrl, OXY_FIRST_BYTE_TIMEOUT_MS: '300' })
      const response = await fetch(`${proxy.url}/_oxy/ask?q=wait`, { headers: { Origin: ORIGIN, ...AUTH } })
      expect(response.status).toBe(504)
      expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN)
      expect(await response.json()).toMatchObject({ error: { type: 'oxy_error', code: 'upstream_timeout' } })
    })

    it('should answer an ask whose upstream is unreachable with CORS headers', async () => {
      const proxy = await startProxy({ OXY_TARGET: REFUSED_TARGET })
      const response = await fetch(`${proxy.url}/_oxy/ask?q=hi`, { headers: { Origin: ORIGIN, ...AUTH } })
      expect(response.status).toBe(502)
      expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN)
      expect(await response.json()).toMatchObject({ error: { code: 'upstream_unreachable' } })
    })

    it('should log the size of a reply it made in bytes, not characters', async () => {
      const proxy = await startProxy({ OXY_TARGET: upstreamUrl })
      const response = await fetch(`${proxy.url}/_oxy/ask?q=hi`, { headers: AUTH })
      expect(await response.text()).toBe(ANSWER)
      const entry = await waitForEntry(proxy, '/_oxy/ask')
      expect(entry).toMatchObject({ status: 200, bytesOut: Buffer.byteLength(ANSWER) })
      expect(entry.bytesOut).toBe(12)
    })
  })
}

async function waitForEntry(proxy: LoggingProxy, path: string): Promise<AccessLogEntry> {
  for (let i = 0; i < 100; i++) {
    const entry = proxy.logs.find((candidate) => candidate.path === path)
    if (entry) return entry
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`no access-log entry for ${path}`)
}
