import type { PageLanguage } from './accept-language'
import { TOKEN_HEADERS } from './credentials'
import type { HeaderList, HeaderPair } from './header-list'
import { getHeader } from './header-list'
import { STATUS_SCRIPT_SHA256, statusPageScript } from './status-page-script'
import { STATUS_PAGE_TEXT } from './status-page-text'

export { STATUS_SCRIPT_SHA256, statusPageScript } from './status-page-script'

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
  /** From the browser's Accept-Language; English by default. */
  readonly language?: PageLanguage
  /**
   * What the page requests, under the base URL and without a key, to see whether the upstream
   * answers: `/models` by default; Azure mode answers that itself, so there another path.
   */
  readonly probePath?: string
}

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
[data-state="ok"] { background: #e6f6ec; } [data-state="fail"] { background: #fde8e8; } [data-state="running"], [data-state="idle"] { background: #f1f4f9; }
#chat-output { white-space: pre-wrap; min-height: 1.5em; margin-top: .6rem; padding: .4rem .6rem; border-left: 3px solid #1f5fd6; }
`

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

/** Response headers for the page: never cached (it depends on Accept and the language), never framed. */
export function statusPageHeaders(): HeaderPair[] {
  return [
    ['Content-Type', 'text/html; charset=utf-8'],
    ['Cache-Control', 'no-store'],
    ['Vary', 'Accept, Accept-Language, Authorization'],
    ['Content-Security-Policy', STATUS_PAGE_CSP],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
  ]
}

/** The page's HTML, in the browser's language. Every value from the request or the configuration is escaped. */
export function renderStatusPage(info: StatusPageInfo): string {
  const text = STATUS_PAGE_TEXT[info.language ?? 'en']
  const details = info.tokenRequired
    ? `<p>${text.tokenNeeded}</p>`
    : `<p>${text.version} <code>${escapeHtml(info.version)}</code>. ${info.upstreams.length > 1 ? text.upstreams : text.upstream}:</p>
<ul id="upstreams">${info.upstreams
        .map(
          (u) => `<li><code>${escapeHtml(u.prefix)}</code> &rarr; <code>${escapeHtml(u.origin)}</code></li>`,
        )
        .join('')}</ul>`
  const tokenField = info.tokenRequired
    ? `<label for="token">${text.tokenLabel}</label>
<input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="${escapeHtml(text.tokenPlaceholder)}">`
    : ''
  return `<!doctype html>
<html lang="${text.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${text.title}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body data-token-required="${info.tokenRequired}" data-probe-path="${escapeHtml(info.probePath ?? '/models')}">
<h1><span class="dot">&#9679;</span> ${text.title}</h1>
<output id="upstream-status" data-state="running">${text.checking}</output>
${details}
<h2>${text.baseUrl}</h2>
<p>${text.baseUrlHint}</p>
<code class="base" id="base-url">${escapeHtml(info.baseUrl)}</code>
<h2>${text.test}</h2>
<form id="test-form">
${tokenField}
<label for="key">${text.keyLabel}${info.tokenRequired ? text.keyOptional : ''}</label>
<input id="key" type="password" autocomplete="off" spellcheck="false" placeholder="sk-...">
<label for="model">${text.model}</label>
<input id="model" value="gpt-4o-mini" spellcheck="false">
<button id="run" type="submit">${text.run}</button>
<p class="note">${text.keyNote}</p>
</form>
<output id="models-result"></output>
<output id="chat-output"></output>
<output id="chat-result"></output>
<script>${statusPageScript()}</script>
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
