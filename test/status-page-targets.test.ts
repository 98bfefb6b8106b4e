import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { STATUS_PAGE_CSP } from '../core'
import { bootScript, findFreePort, useUnzippedArtifact } from './boot-artifact'
import type { ProxyUnderTest, StartProxy } from './conformance'
import type { FakeOpenAI } from './fake-openai'
import { startFakeOpenAI } from './fake-openai'
import { startFetchProxy, startNodeProxy } from './local-proxies'
import { readBuiltWorker } from './read-built-worker'
import { startWorkerd } from './start-workerd'

/** What a browser sends when someone opens the URL. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

const scf = useUnzippedArtifact('tencent-scf.zip')
const fc = useUnzippedArtifact('aliyun-fc.zip')

/**
 * The status page is a policy-level reply, so every target must serve it the same way, and every
 * target must still forward `GET /` from API clients. Run against the engines and the artifacts.
 */
function describeStatusPage(name: string, start: StartProxy): void {
  const pagePath = '/'
  describe(`status page: ${name}`, () => {
    let upstream: FakeOpenAI
    let proxy: ProxyUnderTest
    beforeAll(async () => {
      upstream = await startFakeOpenAI()
      proxy = await start({ OXY_TARGET: upstream.url })
    })
    afterAll(async () => {
      await proxy?.close()
      await upstream?.close()
    })

    it('should answer a browser with the page, locally', async () => {
      const before = upstream.received.length
      const response = await fetch(proxy.url + pagePath, { headers: { Accept: BROWSER_ACCEPT } })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP)
      const html = await response.text()
      expect(html).toContain('<title>oxy is running</title>')
      expect(html).toContain(upstream.url)
      expect(upstream.received.length).toBe(before)
    })

    it('should answer HEAD with the headers only', async () => {
      const response = await fetch(proxy.url + pagePath, {
        method: 'HEAD',
        headers: { Accept: BROWSER_ACCEPT },
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(await response.text()).toBe('')
    })

    it('should forward GET / from an API client to the upstream, as before', async () => {
      const response = await fetch(proxy.url + pagePath, {
        headers: { Accept: 'application/json', Authorization: 'Bearer sk-test' },
      })
      expect(response.status).toBe(404)
      expect((await response.json()) as unknown).toMatchObject({ error: { message: 'Invalid URL (GET /)' } })
      expect(upstream.last().url).toBe('/')
    })
  })
}

describeStatusPage('node engine, self-hosted server', startNodeProxy)
describeStatusPage('fetch engine on Node', startFetchProxy)

describeStatusPage('tencent-scf.zip, old API gateway URL with /release/', async (env) => {
  const booted = await bootScript(path.join(scf().dir, 'scf_bootstrap'), {
    OXY_HOST: '127.0.0.1',
    OXY_PORT: '0',
    ...env,
  })
  return { url: `${booted.url}/release`, close: booted.close }
})

describeStatusPage('aliyun-fc.zip started by /code/main', async (env) =>
  bootScript(path.join(fc().dir, 'main'), {
    OXY_HOST: '127.0.0.1',
    FC_CUSTOM_LISTEN_PORT: String(await findFreePort()),
    ...env,
  }),
)

describeStatusPage('Cloudflare Workers worker.js on workerd', async (env) => {
  const { script, compatibilityDate, compatibilityFlags } = await readBuiltWorker(inject('artifactsDir'))
  return startWorkerd({ script, compatibilityDate, compatibilityFlags, bindings: env })
})
