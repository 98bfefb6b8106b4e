import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { inflateSync } from 'node:zlib'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VERSION } from '../core'
import { findFreePort } from './boot-artifact'
import type { Browser } from './browser/chromium'
import { ensureChromium, launchBrowser } from './browser/chromium'
import { startBufferingFront } from './buffering-front'
import type { ProxyUnderTest } from './conformance'
import type { FakeKeyedUpstream } from './fake-keyed-upstream'
import { KEY_GOOD, startFakeKeyedUpstream } from './fake-keyed-upstream'
import type { FakeOpenAI } from './fake-openai'
import { SSE_TOKENS, startFakeOpenAI } from './fake-openai'
import { startFetchProxy, startNodeProxy } from './local-proxies'
import { TOKEN_A } from './owner-controls'

/** Where the screenshot test leaves its picture, for a person to look at. */
export const SCREENSHOT_FILE = path.join(os.tmpdir(), 'oxy-status-page.png')
const USER_KEY = 'sk-user-key-typed-into-the-page'
/** The page as Chromium renders it at the launch viewport. */
const VIEWPORT = { width: 900, height: 900 }

const chromiumPath = ensureChromium()

describe.skipIf(chromiumPath === undefined)('status page in headless Chromium', () => {
  let browser: Browser
  let upstream: FakeOpenAI
  /** Refuses every call without its good key with OpenAI's 401 invalid_api_key. */
  let keyed: FakeKeyedUpstream
  const proxies: ProxyUnderTest[] = []
  const startProxy = async (start: typeof startNodeProxy, env: Record<string, string> = {}) => {
    const proxy = await start({ OXY_TARGET: upstream.url, ...env })
    proxies.push(proxy)
    return proxy
  }

  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    keyed = await startFakeKeyedUpstream()
    browser = await launchBrowser(chromiumPath!)
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await Promise.all(proxies.map((proxy) => proxy.close()))
    await keyed?.close()
    await upstream?.close()
  })

  /** Opens the page, recording every URL it requests, so tests can prove the key went nowhere else. */
  async function openPage(url: string): Promise<{ page: Page; requested: string[] }> {
    const page = await browser.context.newPage()
    const requested: string[] = []
    page.on('request', (request) => requested.push(request.url()))
    const response = await page.goto(url)
    expect(response?.status()).toBe(200)
    return { page, requested }
  }

  /** Records the chat output's text each time it changes, with the time, from inside the page. */
  async function watchChatOutput(page: Page): Promise<() => Promise<{ at: number; text: string }[]>> {
    await page.evaluate(() => {
      const output = document.getElementById('chat-output')!
      const seen: { at: number; text: string }[] = []
      ;(window as unknown as { seen: typeof seen }).seen = seen
      new MutationObserver(() =>
        seen.push({ at: performance.now(), text: output.textContent ?? '' }),
      ).observe(output, { childList: true, characterData: true, subtree: true })
    })
    return () => page.evaluate(() => (window as unknown as { seen: { at: number; text: string }[] }).seen)
  }

  /** Waits for the page's own upstream check to finish; returns its state and text. */
  async function upstreamCheck(page: Page): Promise<{ state: string | null; text: string | null }> {
    await page.waitForSelector('#upstream-status:is([data-state="ok"], [data-state="fail"])', {
      timeout: 10_000,
    })
    return {
      state: await page.getAttribute('#upstream-status', 'data-state'),
      text: await page.textContent('#upstream-status'),
    }
  }

  async function runTest(
    page: Page,
    fields: { key?: string; token?: string; model?: string },
  ): Promise<void> {
    if (fields.token !== undefined) await page.fill('#token', fields.token)
    if (fields.key !== undefined) await page.fill('#key', fields.key)
    if (fields.model !== undefined) await page.fill('#model', fields.model)
    // A previous run's ok/fail would satisfy the wait below before this click is handled.
    await page.evaluate(() => document.querySelector('#chat-result')?.removeAttribute('data-state'))
    await page.click('#run')
    await page.waitForSelector('#chat-result:is([data-state="ok"], [data-state="fail"])', { timeout: 10_000 })
  }

  it('should show version, upstream and base URL, then list models and stream tokens as they arrive', async () => {
    const proxy = await startProxy(startNodeProxy)
    const { page, requested } = await openPage(`${proxy.url}/`)
    expect(await page.title()).toBe('oxy is running')
    expect(await page.textContent('body')).toContain(VERSION)
    expect(await page.textContent('#upstreams')).toContain(upstream.url)
    expect(await page.textContent('#base-url')).toBe(`${proxy.url}/v1`)

    const seen = await watchChatOutput(page)
    await runTest(page, { key: USER_KEY })
    expect(await page.getAttribute('#models-result', 'data-state')).toBe('ok')
    expect(await page.textContent('#models-result')).toContain('gpt-4o-mini')
    expect(await page.getAttribute('#chat-result', 'data-state')).toBe('ok')
    expect(await page.textContent('#chat-output')).toBe(SSE_TOKENS.join(''))

    // Tokens appear one by one, spread over the upstream's real delays, not all at the end.
    const snapshots = await seen()
    const texts = [...new Set(snapshots.map((snapshot) => snapshot.text))].filter(Boolean)
    expect(texts.length).toBeGreaterThanOrEqual(SSE_TOKENS.length - 1)
    expect(texts[0]!.length).toBeLessThan(SSE_TOKENS.join('').length)
    expect(snapshots.at(-1)!.at - snapshots[0]!.at).toBeGreaterThan(150)

    // The key reached the upstream through the proxy, and the page called nothing but the proxy.
    expect(upstream.last('/v1/chat/completions').headers.authorization).toBe(`Bearer ${USER_KEY}`)
    expect(requested.every((url) => url.startsWith(`${proxy.url}/`))).toBe(true)
    await page.close()
  })

  it('should keep the stage prefix in the base URL and its calls, on the fetch engine too', async () => {
    const proxy = await startProxy(startFetchProxy, { OXY_STAGE_PREFIXES: 'release' })
    // Without the trailing slash, as people type it: relative URLs would lose /release here.
    const { page, requested } = await openPage(`${proxy.url}/release`)
    expect(await page.textContent('#base-url')).toBe(`${proxy.url}/release/v1`)
    await runTest(page, { key: USER_KEY })
    expect(await page.getAttribute('#chat-result', 'data-state')).toBe('ok')
    expect(requested).toContain(`${proxy.url}/release/v1/models`)
    expect(requested).toContain(`${proxy.url}/release/v1/chat/completions`)
    await page.close()
  })

  it("should explain OpenAI's region block in words", async () => {
    const proxy = await startProxy(startNodeProxy)
    const { page } = await openPage(proxy.url)
    await runTest(page, { key: USER_KEY, model: 'fake-region' })
    expect(await page.getAttribute('#chat-result', 'data-state')).toBe('fail')
    const message = await page.textContent('#chat-result')
    expect(message).toContain('HTTP 403 unsupported_country_region_territory')
    expect(message).toContain('Redeploy it in a supported region')
    await page.close()
  })

  it('should say when a platform delivers the stream in one lump', async () => {
    const proxy = await startProxy(startNodeProxy)
    const front = await startBufferingFront(proxy.url)
    proxies.push(front)
    const { page } = await openPage(front.url)
    await runTest(page, { key: USER_KEY })
    expect(await page.getAttribute('#chat-result', 'data-state')).toBe('fail')
    expect(await page.textContent('#chat-result')).toContain('one lump')
    await page.close()
  })

  it('should with OXY_ACCESS_KEYS show nothing but the token field, and work with the token', async () => {
    const proxy = await startProxy(startNodeProxy, { OXY_ACCESS_KEYS: TOKEN_A })
    const { page } = await openPage(proxy.url)
    const text = await page.textContent('body')
    expect(text).toContain('needs an access token')
    expect(text).not.toContain(upstream.url)
    expect(text).not.toContain(VERSION)
    // Without a token the check would only collect the proxy's 401: it waits for one.
    expect(await page.getAttribute('#upstream-status', 'data-state')).toBe('idle')
    expect(await page.textContent('#upstream-status')).toContain('Enter an access token')

    await runTest(page, { token: 'oxy-wrong-token-0000000000', key: USER_KEY })
    expect(await page.textContent('#chat-result')).toContain('invalid_access_key')
    expect(await page.textContent('#upstream-status')).toMatch(
      /^Upstream not checked: HTTP 401 invalid_access_key/,
    )
    await runTest(page, { token: TOKEN_A, key: USER_KEY })
    expect(await page.getAttribute('#chat-result', 'data-state')).toBe('ok')
    // The token stays with the proxy; the user's own key goes on.
    const reached = upstream.last('/v1/chat/completions').headers
    expect(reached['x-api-key']).toBeUndefined()
    expect(reached.authorization).toBe(`Bearer ${USER_KEY}`)
    await page.close()
  })

  it('should speak Chinese to a browser that prefers it, the script included', async () => {
    const proxy = await startProxy(startNodeProxy)
    const page = await browser.context.newPage()
    await page.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.8' })
    const response = await page.goto(proxy.url)
    expect(response?.headers().vary).toContain('Accept-Language')
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN')
    expect(await page.title()).toBe('oxy 正在运行')
    expect(await page.textContent('#run')).toBe('列出模型并流式对话')
    expect((await upstreamCheck(page)).text).toMatch(/^上游可以访问：\d+ 毫秒内回复了 HTTP 200。$/)
    await runTest(page, { key: USER_KEY, model: 'fake-region' })
    expect(await page.textContent('#chat-result')).toContain('请把它重新部署到受支持的地区')
    await page.close()
  })

  it('should call the upstream reachable when it refuses the keyless check with 401', async () => {
    const proxy = await startProxy(startNodeProxy, { OXY_TARGET: keyed.url })
    const before = keyed.calls.length
    const { page, requested } = await openPage(proxy.url)
    const check = await upstreamCheck(page)
    expect(check.state).toBe('ok')
    expect(check.text).toMatch(/^Upstream reachable: it answered HTTP 401 in \d+ ms\.$/)
    // One GET of the model list, with no key, through this proxy only.
    expect(keyed.calls.slice(before)).toEqual([
      expect.objectContaining({ path: '/v1/models', key: undefined }),
    ])
    expect(requested).toEqual([`${proxy.url}/`, `${proxy.url}/v1/models`])
    await page.close()
  })

  for (const [engine, start] of [
    ['node', startNodeProxy],
    ['fetch', startFetchProxy],
  ] as const) {
    it(`should say the upstream is not reachable when nothing listens there (${engine} engine)`, async () => {
      const proxy = await startProxy(start, { OXY_TARGET: `http://127.0.0.1:${await findFreePort()}` })
      const { page } = await openPage(proxy.url)
      const check = await upstreamCheck(page)
      expect(check.state).toBe('fail')
      expect(check.text).toMatch(/^Upstream not reachable: HTTP 502 upstream_unreachable: /)
      await page.close()
    })
  }

  it('should check with the token alone; a key the proxy holds goes only to the free model list', async () => {
    const proxy = await startProxy(startNodeProxy, {
      OXY_TARGET: keyed.url,
      OXY_ACCESS_KEYS: TOKEN_A,
      OXY_UPSTREAM_KEY: KEY_GOOD,
    })
    const before = keyed.calls.length
    const { page } = await openPage(proxy.url)
    expect(await page.getAttribute('#upstream-status', 'data-state')).toBe('idle')
    expect(keyed.calls.length).toBe(before)
    await page.fill('#token', TOKEN_A)
    await page.click('#run')
    const check = await upstreamCheck(page)
    expect(check.text).toMatch(/^Upstream reachable: it answered HTTP 200/)
    expect(keyed.calls[before]).toMatchObject({ path: '/v1/models', key: KEY_GOOD })
    await page.waitForSelector('#chat-result:is([data-state="ok"], [data-state="fail"])', { timeout: 10_000 })
    await page.close()
  })

  it('should render a non-blank screenshot of the page after a run', async () => {
    const proxy = await startProxy(startNodeProxy)
    const { page } = await openPage(proxy.url)
    await runTest(page, { key: USER_KEY })
    const png = await page.screenshot()
    await writeFile(SCREENSHOT_FILE, png)
    const image = readPng(png)
    expect(image).toMatchObject({ width: VIEWPORT.width, height: VIEWPORT.height })
    // A blank page compresses to a handful of byte values; text, boxes and colours give many.
    expect(image.distinctBytes).toBeGreaterThan(64)
    expect(image.nonWhiteRows).toBeGreaterThan(VIEWPORT.height / 4)
    await page.close()
  })
})

/** Just enough PNG reading to prove the screenshot is an image with something drawn on it. */
function readPng(png: Buffer): {
  width: number
  height: number
  distinctBytes: number
  nonWhiteRows: number
} {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  const width = png.readUInt32BE(16)
  const height = png.readUInt32BE(20)
  const idat: Buffer[] = []
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at)
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length))
    at += 12 + length
  }
  const pixels = inflateSync(Buffer.concat(idat))
  const rowBytes = pixels.length / height
  let nonWhiteRows = 0
  for (let row = 0; row < height; row++) {
    // Filter type byte first; a row that is not "unchanged white" has a non-zero delta somewhere.
    const line = pixels.subarray(row * rowBytes + 1, (row + 1) * rowBytes)
    if (line.some((byte) => byte !== 0 && byte !== 0xff)) nonWhiteRows++
  }
  return { width, height, distinctBytes: new Set(pixels).size, nonWhiteRows }
}
