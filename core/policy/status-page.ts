import { TOKEN_HEADERS } from './credentials'
import type { HeaderList, HeaderPair } from './header-list'
import { getHeader } from './header-list'

/**
 * The page a browser gets for `GET /`: proof that oxy runs, the base URL to paste into a client,
 * and a form that tries the key through this proxy. Self-contained (no external assets, so it
 * works where CDNs are blocked) and pure: the engines send it like any other local reply.
 */

export interface StatusPageInfo {
  readonly version: string
  /** `/` for the default route, else the route prefix, with the upstream's origin. */
  readonly upstreams: readonly { readonly prefix: string; readonly origin: string }[]
  /** The server's best guess; the page's script replaces it with what the browser knows. */
  readonly baseUrl: string
  /** OXY_ACCESS_KEYS is set: the page then shows nothing about the configuration. */
  readonly tokenRequired: boolean
}

/**
 * The page's one script. It computes the base URL from the address bar (right behind any
 * gateway stage or rewrite) and only ever calls this origin, which the CSP enforces.
 */
const SCRIPT = `
(() => {
  const $ = (id) => document.getElementById(id)
  const base = location.origin + location.pathname.replace(/\\/*$/, '/') + 'v1'
  $('base-url').textContent = base
  const tokenRequired = document.body.dataset.tokenRequired === 'true'
  const HINTS = {
    unsupported_country_region_territory:
      'OpenAI refuses requests from the region this proxy runs in. Redeploy it in a supported region (the guides name some).',
    invalid_api_key: 'The upstream refused the API key. Check it for typos and that it is not revoked.',
    insufficient_quota: 'The account behind this key has no quota left: add credit in the billing settings, or use another key.',
    invalid_access_key: 'This proxy needs one of its access tokens (OXY_ACCESS_KEYS) in the token field.',
    rate_limit_exceeded: 'Rate limited by the upstream: wait a little and try again.',
  }
  const show = (id, state, text) => {
    const el = $(id)
    el.dataset.state = state
    el.textContent = text
  }
  const requestHeaders = () => {
    const headers = {}
    const key = $('key').value.trim()
    if (key) headers.Authorization = 'Bearer ' + key
    if (tokenRequired) {
      const token = $('token').value.trim()
      if (token) headers['x-api-key'] = token
    }
    return headers
  }
  const describeError = async (response) => {
    const text = await response.text()
    let error = {}
    try {
      error = JSON.parse(text).error || {}
    } catch {}
    const code = error.code || error.type || ''
    const hint = HINTS[code] ? ' ' + HINTS[code] : ''
    return 'HTTP ' + response.status + (code ? ' ' + code : '') + ': ' + (error.message || text.slice(0, 200)) + hint
  }
  const listModels = async () => {
    show('models-result', 'running', 'Listing models...')
    const response = await fetch(base + '/models', { headers: requestHeaders() })
    if (!response.ok) return show('models-result', 'fail', await describeError(response))
    const ids = ((await response.json()).data || []).map((model) => model.id)
    show('models-result', 'ok', ids.length + ' models: ' + ids.slice(0, 12).join(', ') + (ids.length > 12 ? ', ...' : ''))
  }
  const chat = async () => {
    const output = $('chat-output')
    output.textContent = ''
    show('chat-result', 'running', 'Streaming...')
    const started = performance.now()
    const response = await fetch(base + '/chat/completions', {
      method: 'POST',
      headers: { ...requestHeaders(), 'Content-Type': 'application/json' },
      body: JSON.stringify({
        model: $('model').value.trim(),
        stream: true,
        messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
      }),
    })
    if (!response.ok) return show('chat-result', 'fail', await describeError(response))
    const reader = response.body.getReader()
    const decoder = new TextDecoder()
    let pending = ''
    let reads = 0
    let first
    let last
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      last = performance.now()
      first ??= last
      reads++
      pending += decoder.decode(value, { stream: true })
      const lines = pending.split('\\n')
      pending = lines.pop()
      for (const line of lines) {
        if (!line.startsWith('data:')) continue
        const data = line.slice(5).trim()
        if (data === '[DONE]') continue
        try {
          const delta = JSON.parse(data).choices?.[0]?.delta?.content
          if (delta) output.append(delta)
        } catch {}
      }
    }
    if (first === undefined) return show('chat-result', 'fail', 'The stream ended without any data.')
    const spread = Math.round(last - first)
    const lump = reads < 2 || spread < 50
    show(
      'chat-result',
      lump ? 'fail' : 'ok',
      'First bytes after ' + Math.round(first - started) + ' ms; ' + reads + ' chunks over ' + spread + ' ms. ' +
        (lump
          ? 'They came in one lump: something between you and oxy buffers the stream.'
          : 'Streaming works.'),
    )
  }
  $('test-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    $('run').disabled = true
    try {
      await listModels()
      await chat()
    } catch (error) {
      show('chat-result', 'fail', 'The request failed: ' + error.message)
    } finally {
      $('run').disabled = false
    }
  })
})()
`

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h1 .dot { color: #12a150; }
code, output, pre { font: 13px/1.5 ui-monospace, monospace; }
.base { display: block; padding: .6rem .8rem; background: #f1f4f9; border-radius: 6px; word-break: break-all; font-size: 15px; }
label { display: block; margin-top: .7rem; font-weight: 600; }
input { width: 100%; box-sizing: border-box; padding: .45rem .6rem; font: inherit; border: 1px solid #b8c0cc; border-radius: 6px; }
button { margin-top: 1rem; padding: .5rem 1.2rem; font: inherit; font-weight: 600; border: 0; border-radius: 6px; background: #1f5fd6; color: #fff; cursor: pointer; }
button:disabled { background: #8aa6dd; }
.note { color: #5b6474; font-size: 13px; }
[data-state] { display: block; margin-top: .6rem; padding: .4rem .6rem; border-radius: 6px; }
[data-state="ok"] { background: #e6f6ec; } [data-state="fail"] { background: #fde8e8; } [data-state="running"] { background: #f1f4f9; }
#chat-output { white-space: pre-wrap; min-height: 1.5em; margin-top: .6rem; padding: .4rem .6rem; border-left: 3px solid #1f5fd6; }
`

/**
 * The CSP hash of SCRIPT (sha256, base64), so the page runs its own script and nothing injected.
 * status-page.test.ts recomputes it and prints the new value when SCRIPT changes.
 */
export const STATUS_SCRIPT_SHA256 = 'sha256-16JBJY+aRXxQwa36xJ76OFaJWT4EPXW8QxN4JkveLx0='

/** https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src '${STATUS_SCRIPT_SHA256}'`,
  "style-src 'unsafe-inline'",
  // The test form talks to this proxy and nowhere else: a key typed here cannot leave.
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** The script exactly as it appears between the page's script tags (what the CSP hash covers). */
export function statusPageScript(): string {
  return SCRIPT
}

/** True for a browser asking for `/` as a page: HTML accepted and no credential sent. */
export function wantsStatusPage(method: string, path: string, headers: HeaderList): boolean {
  if (path !== '/' || (method !== 'GET' && method !== 'HEAD')) return false
  if (!/\btext\/html\b/i.test(getHeader(headers, 'accept') ?? '')) return false
  // A request carrying a key is an API call, never a page view.
  return !TOKEN_HEADERS.some((name) => getHeader(headers, name) !== undefined)
}

/**
 * The base URL a client should use, as far as the server can tell: the Host header, the scheme a
 * front end reports, and the stage prefix the request came through (`/release/` -> `/release/v1`).
 */
export function guessBaseUrl(rawPath: string, headers: HeaderList): string {
  const stage = rawPath.replace(/\/+$/, '')
  const host = getHeader(headers, 'x-forwarded-host')?.split(',')[0]?.trim() || getHeader(headers, 'host')
  // Anything but a plain host[:port] is shown as a path only: it would be echoed into the page.
  if (!host || !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return `${stage}/v1`
  const forwarded = getHeader(headers, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  const scheme =
    forwarded === 'http' || forwarded === 'https' ? forwarded : isLocalOrPorted(host) ? 'http' : 'https'
  return `${scheme}://${host}${stage}/v1`
}

/** Loopback, bare IPs and explicit ports are usually plain HTTP; cloud endpoints are HTTPS. */
function isLocalOrPorted(host: string): boolean {
  return /:\d+$/.test(host) || host === 'localhost' || /^[\d.]+$/.test(host) || host.startsWith('[')
}

/** Response headers for the page: never cached (it depends on Accept), never framed. */
export function statusPageHeaders(): HeaderPair[] {
  return [
    ['Content-Type', 'text/html; charset=utf-8'],
    ['Cache-Control', 'no-store'],
    ['Vary', 'Accept, Authorization'],
    ['Content-Security-Policy', STATUS_PAGE_CSP],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
  ]
}

/** The page's HTML. Every value from the request or the configuration is escaped. */
export function renderStatusPage(info: StatusPageInfo): string {
  const details = info.tokenRequired
    ? '<p>This proxy needs an access token. Enter one below to test it.</p>'
    : `<p>Version <code>${escapeHtml(info.version)}</code>. Upstream${info.upstreams.length > 1 ? 's' : ''}:</p>
<ul id="upstreams">${info.upstreams
        .map(
          (u) => `<li><code>${escapeHtml(u.prefix)}</code> &rarr; <code>${escapeHtml(u.origin)}</code></li>`,
        )
        .join('')}</ul>`
  const tokenField = info.tokenRequired
    ? `<label for="token">Access token</label>
<input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="one of the proxy's OXY_ACCESS_KEYS">`
    : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>oxy is running</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body data-token-required="${info.tokenRequired}">
<h1><span class="dot">&#9679;</span> oxy is running</h1>
${details}
<h2>Base URL</h2>
<p>Paste this into your client as the OpenAI base URL:</p>
<code class="base" id="base-url">${escapeHtml(info.baseUrl)}</code>
<h2>Test</h2>
<form id="test-form">
${tokenField}
<label for="key">API key${info.tokenRequired ? ' (leave empty if the proxy holds one)' : ''}</label>
<input id="key" type="password" autocomplete="off" spellcheck="false" placeholder="sk-...">
<label for="model">Model</label>
<input id="model" value="gpt-4o-mini" spellcheck="false">
<button id="run" type="submit">List models and stream a chat</button>
<p class="note">The key stays in this page: it is sent only to this proxy, never stored.</p>
</form>
<output id="models-result"></output>
<output id="chat-output"></output>
<output id="chat-result"></output>
<script>${SCRIPT}</script>
</body>
</html>
`
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  )
}
