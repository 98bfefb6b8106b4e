import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { VERSION } from '../version'
import { parseConfig } from './config'
import type { HeaderPair } from './header-list'
import type { RequestPlan } from './plan-request'
import { planRequest } from './plan-request'
import { renderStatusPage } from './render-status-page'
import {
  guessBaseUrl,
  STATUS_PAGE_CSP,
  STATUS_SCRIPT_SHA256,
  statusPageScript,
  wantsStatusPage,
} from './status-page'

const BROWSER_ACCEPT: HeaderPair = [
  'Accept',
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
]
const TOKEN = 'oxy-token-aaaaaaaaaaaaaaaa'

/** The page's HTML as the engines send it: rendered from what the plan says to show. */
function bodyOf(plan: RequestPlan): string {
  if (plan.kind !== 'reply' || !plan.page) throw new Error(`expected the status page, got ${plan.kind}`)
  return renderStatusPage(plan.page)
}
const OWNER_KEY = 'sk-owner-0123456789abcdef0123456789abcdef'

describe('STATUS_SCRIPT_SHA256', () => {
  it('should be the CSP hash of the page script, so the browser runs it', () => {
    const actual = `sha256-${createHash('sha256').update(statusPageScript()).digest('base64')}`
    // When the script changes, paste this value into status-page.ts.
    expect(STATUS_SCRIPT_SHA256, `STATUS_SCRIPT_SHA256 should be '${actual}'`).toBe(actual)
    expect(STATUS_PAGE_CSP).toContain(`'${actual}'`)
  })
})

describe('wantsStatusPage', () => {
  it('should want the page for a browser GET or HEAD of /', () => {
    expect(wantsStatusPage('GET', '/', [BROWSER_ACCEPT])).toBe(true)
    expect(wantsStatusPage('HEAD', '/', [['accept', 'TEXT/HTML']])).toBe(true)
  })

  it('should leave API calls alone: other paths, methods, Accept, or any credential', () => {
    expect(wantsStatusPage('GET', '/v1/models', [BROWSER_ACCEPT])).toBe(false)
    expect(wantsStatusPage('POST', '/', [BROWSER_ACCEPT])).toBe(false)
    expect(wantsStatusPage('GET', '/', [['Accept', 'application/json']])).toBe(false)
    expect(wantsStatusPage('GET', '/', [])).toBe(false)
    for (const name of ['Authorization', 'api-key', 'X-Api-Key']) {
      expect(wantsStatusPage('GET', '/', [BROWSER_ACCEPT, [name, 'Bearer sk-x']])).toBe(false)
    }
  })
})

describe('guessBaseUrl', () => {
  it('should keep the stage prefix the request came through, with or without a slash', () => {
    const headers: HeaderPair[] = [['Host', 'service-abc.gz.apigw.tencentcs.com']]
    expect(guessBaseUrl('/release/', headers)).toBe('https://service-abc.gz.apigw.tencentcs.com/release/v1')
    expect(guessBaseUrl('/release', headers)).toBe('https://service-abc.gz.apigw.tencentcs.com/release/v1')
    expect(guessBaseUrl('/', headers)).toBe('https://service-abc.gz.apigw.tencentcs.com/v1')
  })

  it('should use the scheme a front end reports, and plain http for local addresses', () => {
    expect(
      guessBaseUrl('/', [
        ['Host', 'example.com'],
        ['X-Forwarded-Proto', 'http'],
      ]),
    ).toBe('http://example.com/v1')
    expect(guessBaseUrl('/', [['Host', '127.0.0.1:9000']])).toBe('http://127.0.0.1:9000/v1')
    expect(guessBaseUrl('/', [['Host', 'localhost']])).toBe('http://localhost/v1')
  })

  it('should fall back to a path when the Host header is not a plain host', () => {
    expect(guessBaseUrl('/', [['Host', 'evil"><script>x</script>']])).toBe('/v1')
    expect(guessBaseUrl('/release/', [])).toBe('/release/v1')
  })
})

describe('renderStatusPage', () => {
  it('should escape every value it shows', () => {
    const html = renderStatusPage({
      version: '<b>1</b>',
      upstreams: [{ prefix: '/', origin: 'https://x"y.example' }],
      baseUrl: '/v1?<x>',
      tokenRequired: false,
    })
    expect(html).toContain('&lt;b&gt;1&lt;/b&gt;')
    expect(html).toContain('https://x&quot;y.example')
    expect(html).not.toContain('<b>1</b>')
  })

  it('should load nothing from elsewhere', () => {
    const html = renderStatusPage({ version: '1', upstreams: [], baseUrl: '/v1', tokenRequired: false })
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//)
    expect(html).not.toMatch(/@import|url\(/)
  })
})

describe('planRequest for GET /', () => {
  it('should answer a browser with the page: version, upstream origins, base URL, CSP', () => {
    const config = parseConfig({
      OXY_TARGET: 'https://api.openai.com',
      OXY_ROUTES: '/deepseek=https://api.deepseek.com',
    })
    const plan = planRequest(
      { method: 'GET', target: '/', headers: [['Host', 'oxy.example.com'], BROWSER_ACCEPT] },
      config,
    )
    expect(plan.kind).toBe('reply')
    if (plan.kind !== 'reply') return
    expect(plan.status).toBe(200)
    expect(Object.fromEntries(plan.headers)).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': STATUS_PAGE_CSP,
    })
    expect(bodyOf(plan)).toContain(`<code>${VERSION}</code>`)
    expect(bodyOf(plan)).toContain('https://api.openai.com')
    expect(bodyOf(plan)).toContain('https://api.deepseek.com')
    expect(bodyOf(plan)).toContain('https://oxy.example.com/v1')
  })

  it('should show the /release base URL behind an SCF stage prefix', () => {
    const config = parseConfig({}, { stagePrefixes: ['release'] })
    const plan = planRequest(
      { method: 'GET', target: '/release/', headers: [['Host', 'h.example'], BROWSER_ACCEPT] },
      config,
    )
    expect(bodyOf(plan)).toContain('https://h.example/release/v1')
  })

  it('should forward GET / from API clients unchanged, as before', () => {
    const config = parseConfig({})
    for (const headers of [
      [['Accept', 'application/json']],
      [BROWSER_ACCEPT, ['Authorization', 'Bearer sk-x']],
    ]) {
      expect(planRequest({ method: 'GET', target: '/', headers: headers as HeaderPair[] }, config).kind).toBe(
        'forward',
      )
    }
  })

  it('should with OXY_ACCESS_KEYS show only that a token is needed, and no secret', () => {
    const config = parseConfig({
      OXY_TARGET: 'https://secret-resource.openai.azure.com',
      OXY_ACCESS_KEYS: TOKEN,
      OXY_UPSTREAM_KEY: OWNER_KEY,
    })
    const plan = planRequest({ method: 'GET', target: '/', headers: [BROWSER_ACCEPT] }, config)
    expect(plan.kind).toBe('reply')
    if (plan.kind !== 'reply') return
    expect(plan.status).toBe(200)
    expect(bodyOf(plan)).toContain('needs an access token')
    expect(bodyOf(plan)).toContain('id="token"')
    for (const secret of [TOKEN, OWNER_KEY, 'secret-resource', VERSION])
      expect(bodyOf(plan)).not.toContain(secret)
  })

  it('should speak Chinese to a browser that prefers it, and say the page varies by language', () => {
    const config = parseConfig({ OXY_TARGET: 'https://api.openai.com' })
    const page = (language: string) => {
      const headers: HeaderPair[] = [BROWSER_ACCEPT, ['Accept-Language', language]]
      const plan = planRequest({ method: 'GET', target: '/', headers }, config)
      if (plan.kind !== 'reply') throw new Error(`expected the page, got ${plan.kind}`)
      return { headers: plan.headers, body: bodyOf(plan) }
    }
    const zh = page('zh-CN,zh;q=0.9,en;q=0.8')
    expect(zh.body).toContain('<html lang="zh-CN">')
    expect(zh.body).toContain('<title>oxy 正在运行</title>')
    expect(zh.body).toContain('正在检查上游')
    expect(zh.body).not.toContain('Paste this into your client')
    expect(Object.fromEntries(zh.headers).Vary).toContain('Accept-Language')

    const en = page('en-US,en;q=0.9,zh-CN;q=0.8')
    expect(en.body).toContain('<html lang="en">')
    expect(en.body).toContain('<title>oxy is running</title>')
    // The script carries both languages; the page around it is English only.
    expect(en.body.replace(/<script>[\s\S]*<\/script>/, '')).not.toMatch(/[\u3000-\u9fff\uff00-\uffef]/)
    expect(zh.body.replace(/<script>[\s\S]*<\/script>/, '')).not.toContain('Test</h2>')
  })

  it('should probe a path the upstream answers: not /models in Azure mode, which oxy answers itself', () => {
    const probe = (env: Record<string, string>) => {
      const plan = planRequest({ method: 'GET', target: '/', headers: [BROWSER_ACCEPT] }, parseConfig(env))
      return /data-probe-path="([^"]*)"/.exec(bodyOf(plan))?.[1]
    }
    expect(probe({ OXY_TARGET: 'https://api.openai.com' })).toBe('/models')
    const azure = {
      OXY_TARGET: 'https://my-resource.openai.azure.com',
      OXY_AZURE_DEPLOYMENTS: 'gpt-4o=my-4o',
    }
    expect(probe(azure)).toBe('/files')
    // ...which Azure mode forwards, unlike /v1/models.
    const config = parseConfig(azure)
    expect(planRequest({ method: 'GET', target: '/v1/files', headers: [] }, config).kind).not.toBe('reply')
    expect(planRequest({ method: 'GET', target: '/v1/models', headers: [] }, config).kind).toBe('reply')
  })
})
