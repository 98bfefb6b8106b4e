import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { describeConformance } from '../../../test/conformance'
import { describeExchangeAgreement } from '../../../test/exchange-agreement'
import { describeOwnerControls } from '../../../test/owner-controls'
import { PLATFORM_HEADERS } from '../../../test/platform-headers'
import { serveFetch } from '../../../test/serve-fetch'
import type { AccessLogEntry } from '../../policy'
import { parseConfig } from '../../policy'
import { createFetchProxy } from './fetch-proxy'

describeConformance(
  'fetch engine on Node',
  async (env) => {
    const proxy = createFetchProxy(parseConfig({ OXY_LOG: 'off', ...env }))
    return serveFetch((request) => proxy.fetch(request))
  },
  { decodesBody: true, platformHeaders: PLATFORM_HEADERS.aws },
)

describeOwnerControls('fetch engine on Node', async (env) => {
  const proxy = createFetchProxy(parseConfig({ OXY_LOG: 'off', ...env }))
  return serveFetch((request) => proxy.fetch(request))
})

describeExchangeAgreement('fetch engine on Node', async (env) => {
  const logs: AccessLogEntry[] = []
  const proxy = createFetchProxy(parseConfig(env), { onLog: (entry) => logs.push(entry) })
  const served = await serveFetch((request) => proxy.fetch(request))
  return { ...served, logs }
})

describe('createFetchProxy: a client that stops reading', () => {
  it('should stop the upstream and log client_closed when the response body is cancelled', async () => {
    let upstreamLeftEarly = false
    // An endless SSE stream (bounded: 1000 chunks) that notes when its reader goes away.
    const upstream = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' })
      let sent = 0
      const timer = setInterval(() => {
        if (++sent > 1000) {
          clearInterval(timer)
          res.end()
        } else res.write(`data: ${sent}\n\n`)
      }, 10)
      res.once('close', () => {
        clearInterval(timer)
        upstreamLeftEarly = !res.writableFinished
      })
    })
    upstream.listen(0, '127.0.0.1')
    await once(upstream, 'listening')
    const logs: AccessLogEntry[] = []
    const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
    const proxy = createFetchProxy(parseConfig({ OXY_TARGET: target }), {
      onLog: (entry) => logs.push(entry),
    })
    try {
      // No request signal here: the runtime says the client left only by cancelling the body.
      const response = await proxy.fetch(new Request('http://oxy.test/v1/stream'))
      const reader = response.body!.getReader()
      expect((await reader.read()).done).toBe(false)
      await reader.cancel()
      for (let i = 0; i < 100 && !upstreamLeftEarly; i++)
        await new Promise((resolve) => setTimeout(resolve, 20))
      expect(upstreamLeftEarly).toBe(true)
      expect(logs).toMatchObject([{ path: '/v1/stream', status: 200, error: 'client_closed' }])
    } finally {
      upstream.closeAllConnections()
      upstream.close()
    }
  })
})
