import { unlink } from 'node:fs/promises'
import path from 'node:path'
import type { LambdaFunctionURLEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { FUNCTION_URL_EVENT } from '../adapters/aws-lambda/fixtures'
import { STATUS_PAGE_CSP } from '../core'
import { bootScript, findFreePort, nodeStartScript, useUnzippedArtifact } from './boot-artifact'
import type { ProxyUnderTest, StartProxy } from './conformance'
import type { FakeOpenAI } from './fake-openai'
import { startFakeOpenAI } from './fake-openai'
import { startFetchProxy, startNodeProxy } from './local-proxies'
import { readBuiltWorker } from './read-built-worker'
import { LAMBDA_TARGETS, useLambdaTarget } from './reliability/lambda-targets'
import { startWorkerd } from './start-workerd'

/** What a browser sends when someone opens the URL. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

const scf = useUnzippedArtifact('tencent-scf.zip')
const fc = useUnzippedArtifact('aliyun-fc.zip')
const nodeZip = useUnzippedArtifact('node-server.zip')
const startLambda = useLambdaTarget()

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

// node-server.zip, SCF, FC and Lambda render the page from a file beside the bundle (oxy-page.cjs,
// .js): these prove each zip carries it and loads it.
async function startNodeZip(env: Record<string, string>) {
  return bootScript(await nodeStartScript(nodeZip().dir), { OXY_HOST: '127.0.0.1', OXY_PORT: '0', ...env })
}

describeStatusPage('node-server.zip, node oxy.cjs', startNodeZip)

describe('status page: node-server.zip without oxy-page.cjs', () => {
  it('should say which file is missing, and keep proxying', async () => {
    const upstream = await startFakeOpenAI()
    await unlink(path.join(nodeZip().dir, 'oxy-page.cjs'))
    const proxy = await startNodeZip({ OXY_TARGET: upstream.url })
    try {
      const page = await fetch(proxy.url, { headers: { Accept: BROWSER_ACCEPT } })
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('status page file (oxy-page.cjs or oxy-page.js) is missing')
      const models = await fetch(`${proxy.url}/v1/models`, { headers: { Authorization: 'Bearer sk-test' } })
      expect(models.status).toBe(200)
    } finally {
      await proxy.close()
      await upstream.close()
    }
  })
})

describe('status page: aws-lambda.zip', () => {
  let upstream: FakeOpenAI
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(async () => {
    await upstream?.close()
  })

  it.each(LAMBDA_TARGETS)('should answer a browser with the page from the %s', async (handler) => {
    const target = await startLambda({ OXY_TARGET: upstream.url })
    try {
      const { authorization: _token, 'content-length': _length, ...headers } = FUNCTION_URL_EVENT.headers
      const event: LambdaFunctionURLEvent = {
        ...FUNCTION_URL_EVENT,
        rawPath: '/',
        rawQueryString: '',
        headers: { ...headers, accept: BROWSER_ACCEPT },
        requestContext: {
          ...FUNCTION_URL_EVENT.requestContext,
          http: { ...FUNCTION_URL_EVENT.requestContext.http, method: 'GET', path: '/' },
        },
        body: undefined,
        isBase64Encoded: false,
      }
      const answer = await target.invoke(handler, event)
      expect(answer.status).toBe(200)
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8')
      const html = answer.body.toString('utf8')
      expect(html).toContain('<title>oxy is running</title>')
      // The target holds access keys: the page asks for a token and shows nothing else.
      expect(html).toContain('needs an access token')
    } finally {
      await target.close()
    }
  })
})
