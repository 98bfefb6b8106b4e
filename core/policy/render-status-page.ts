import type { StatusPageInfo } from './status-page'
import { statusPageScript } from './status-page-script'
import { STATUS_PAGE_TEXT } from './status-page-text'

/**
 * The status page's HTML: the one module a proxy loads only when a browser asks for `/`. The
 * build makes it a file of its own beside the Node bundles (oxy-page.cjs;
 * .js on Lambda; build/targets.ts): its markup, style, words and script are ~13 KB of the bundle that
 * every start would otherwise parse for a page most starts never show.
 */

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
