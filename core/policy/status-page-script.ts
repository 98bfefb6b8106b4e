/**
 * The status page's one script. It computes the base URL from the address bar (right behind any
 * gateway stage or rewrite), checks that the upstream answers, and runs the test form. It only
 * ever calls this origin, which the CSP enforces. Its words come in English and Chinese; it
 * speaks the page's language (`<html lang>`, chosen by the server from Accept-Language).
 */
const SCRIPT = `
(() => {
  const $ = (id) => document.getElementById(id)
  const base = location.origin + location.pathname.replace(/\\/*$/, '/') + 'v1'
  $('base-url').textContent = base
  const tokenRequired = document.body.dataset.tokenRequired === 'true'
  const probePath = document.body.dataset.probePath || '/models'
  const TEXT = {
    en: {
      checking: 'Checking the upstream...',
      reachable: (status, ms) => 'Upstream reachable: it answered HTTP ' + status + ' in ' + ms + ' ms.',
      unreachable: 'Upstream not reachable: ',
      notChecked: 'Upstream not checked: ',
      needToken: 'Enter an access token and run the test to check the upstream.',
      listing: 'Listing models...',
      models: (count, ids) => count + ' models: ' + ids,
      streaming: 'Streaming...',
      noData: 'The stream ended without any data.',
      timing: (first, reads, spread) =>
        'First bytes after ' + first + ' ms; ' + reads + ' chunks over ' + spread + ' ms. ',
      lump: 'They came in one lump: something between you and oxy buffers the stream.',
      works: 'Streaming works.',
      failed: 'The request failed: ',
      hints: {
        unsupported_country_region_territory:
          'OpenAI refuses requests from the region this proxy runs in. Redeploy it in a supported region (the guides name some).',
        invalid_api_key: 'The upstream refused the API key. Check it for typos and that it is not revoked.',
        insufficient_quota: 'The account behind this key has no quota left: add credit in the billing settings, or use another key.',
        invalid_access_key: 'This proxy needs one of its access tokens (OXY_ACCESS_KEYS) in the token field.',
        rate_limit_exceeded: 'Rate limited by the upstream: wait a little and try again.',
      },
    },
    zh: {
      checking: '正在检查上游……',
      reachable: (status, ms) => '上游可以访问：' + ms + ' 毫秒内回复了 HTTP ' + status + '。',
      unreachable: '上游无法访问：',
      notChecked: '未能检查上游：',
      needToken: '输入访问令牌并运行测试，即可检查上游。',
      listing: '正在列出模型……',
      models: (count, ids) => count + ' 个模型：' + ids,
      streaming: '正在流式接收……',
      noData: '流结束了，但没有收到任何数据。',
      timing: (first, reads, spread) =>
        first + ' 毫秒后收到首批字节；' + spread + ' 毫秒内分 ' + reads + ' 块到达。',
      lump: '所有内容一次性到达：你和 oxy 之间有东西缓冲了流。',
      works: '流式输出正常。',
      failed: '请求失败：',
      hints: {
        unsupported_country_region_territory:
          'OpenAI 拒绝来自此代理所在地区的请求。请把它重新部署到受支持的地区（各平台指南里列了一些）。',
        invalid_api_key: '上游拒绝了这个 API 密钥。检查是否有拼写错误、是否已被吊销。',
        insufficient_quota: '这个密钥所属账户的额度已用完：请在账单设置里充值，或换一个密钥。',
        invalid_access_key: '此代理需要在令牌栏填入它的访问令牌之一（OXY_ACCESS_KEYS）。',
        rate_limit_exceeded: '被上游限流：稍等片刻再试。',
      },
    },
  }
  const T = document.documentElement.lang.startsWith('zh') ? TEXT.zh : TEXT.en
  const show = (id, state, text) => {
    const el = $(id)
    el.dataset.state = state
    el.textContent = text
  }
  const token = () => (tokenRequired ? $('token').value.trim() : '')
  const requestHeaders = () => {
    const headers = {}
    const key = $('key').value.trim()
    if (key) headers.Authorization = 'Bearer ' + key
    if (token()) headers['x-api-key'] = token()
    return headers
  }
  const readError = async (response) => {
    const text = await response.text()
    try {
      return { text, ...(JSON.parse(text).error || {}) }
    } catch {
      return { text }
    }
  }
  const describeError = (status, error) => {
    const code = error.code || error.type || ''
    const hint = T.hints[code] ? ' ' + T.hints[code] : ''
    return 'HTTP ' + status + (code ? ' ' + code : '') + ': ' + (error.message || error.text.slice(0, 200)) + hint
  }
  // Sends no API key: any answer from the upstream, its 401 included, proves it is reachable.
  // A key the proxy holds is added by the proxy; listing models is free, so that costs nothing.
  const checkUpstream = async () => {
    if (tokenRequired && !token()) return show('upstream-status', 'idle', T.needToken)
    show('upstream-status', 'running', T.checking)
    const started = performance.now()
    let response
    try {
      response = await fetch(base + probePath, { headers: token() ? { 'x-api-key': token() } : {} })
    } catch (error) {
      return show('upstream-status', 'fail', T.notChecked + T.failed + error.message)
    }
    const ms = Math.round(performance.now() - started)
    const error = response.ok ? { text: '' } : await readError(response)
    if (error.type === 'oxy_error') {
      const reason = describeError(response.status, error)
      return show('upstream-status', 'fail', (/^upstream_/.test(error.code) ? T.unreachable : T.notChecked) + reason)
    }
    const region = error.code === 'unsupported_country_region_territory' ? ' ' + T.hints[error.code] : ''
    show('upstream-status', region ? 'fail' : 'ok', T.reachable(response.status, ms) + region)
  }
  const listModels = async () => {
    show('models-result', 'running', T.listing)
    const response = await fetch(base + '/models', { headers: requestHeaders() })
    if (!response.ok) return show('models-result', 'fail', describeError(response.status, await readError(response)))
    const ids = ((await response.json()).data || []).map((model) => model.id)
    show('models-result', 'ok', T.models(ids.length, ids.slice(0, 12).join(', ') + (ids.length > 12 ? ', ...' : '')))
  }
  const chat = async () => {
    const output = $('chat-output')
    output.textContent = ''
    show('chat-result', 'running', T.streaming)
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
    if (!response.ok) return show('chat-result', 'fail', describeError(response.status, await readError(response)))
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
    if (first === undefined) return show('chat-result', 'fail', T.noData)
    const spread = Math.round(last - first)
    const lump = reads < 2 || spread < 50
    show(
      'chat-result',
      lump ? 'fail' : 'ok',
      T.timing(Math.round(first - started), reads, spread) + (lump ? T.lump : T.works),
    )
  }
  $('test-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    $('run').disabled = true
    try {
      await checkUpstream()
      await listModels()
      await chat()
    } catch (error) {
      show('chat-result', 'fail', T.failed + error.message)
    } finally {
      $('run').disabled = false
    }
  })
  checkUpstream().catch((error) => show('upstream-status', 'fail', T.notChecked + T.failed + error.message))
})()
`

/**
 * The CSP hash of SCRIPT (sha256, base64), so the page runs its own script and nothing injected.
 * status-page.test.ts recomputes it and prints the new value when SCRIPT changes.
 */
export const STATUS_SCRIPT_SHA256 = 'sha256-Nrp90WR82KrDfVK9S241d4/xXtFXNkRGc0IAtCgRET8='

/** The script exactly as it appears between the page's script tags (what the CSP hash covers). */
export function statusPageScript(): string {
  return SCRIPT
}
