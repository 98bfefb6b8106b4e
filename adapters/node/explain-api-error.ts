/** An error response from the endpoint, as the doctor reports it: what happened and what to do. */
export interface ExplainedError {
  readonly detail: string
  readonly fix: string | undefined
}

/**
 * OpenAI's error codes people meet first behind a proxy, with what to do about each. The codes
 * are OpenAI's: https://platform.openai.com/docs/guides/error-codes
 */
const FIXES: Readonly<Record<string, string>> = {
  unsupported_country_region_territory:
    'OpenAI refuses requests from the region this endpoint runs in. Redeploy it in a region OpenAI serves ' +
    '(e.g. Tencent SCF ap-tokyo or na-siliconvalley, Aliyun FC ap-northeast-1 or us-west-1, AWS us-east-1); ' +
    'on Cloudflare Workers, set [placement] in wrangler.toml; on Vercel, a US region in vercel.json (iad1, never hkg1). ' +
    'https://platform.openai.com/docs/supported-countries',
  invalid_api_key:
    'The upstream refused the key: check it for typos and that it is not revoked, or make a new one.',
  insufficient_quota:
    'The account behind this key has no quota left: add credit at https://platform.openai.com/settings/organization/billing, or use another key.',
  invalid_access_key:
    'This proxy has OXY_ACCESS_KEYS: pass one of them with --token (or as --key when the proxy holds the API key).',
  rate_limit_exceeded: 'Rate limited by the upstream: wait a minute and run the doctor again.',
  model_not_found: 'This key cannot use that model: pick one from the model list with --model.',
  upstream_unreachable:
    "oxy could not reach its upstream: check OXY_TARGET and the platform's outbound network.",
  upstream_timeout:
    'The upstream did not answer in time: check OXY_TARGET, or raise OXY_FIRST_BYTE_TIMEOUT_MS.',
  // Vercel's own error pages, which name their code in plain text: https://vercel.com/docs/errors
  FUNCTION_INVOCATION_TIMEOUT:
    "Vercel stopped the function at its maxDuration (300 s at most on Hobby, 800 s on Pro): raise it in vercel.json's functions, or use stream: true and ask for less.",
  FUNCTION_PAYLOAD_TOO_LARGE:
    'Vercel refuses request bodies over 4.5 MB before oxy runs: send large audio files through another platform.',
  DEPLOYMENT_NOT_FOUND:
    "Vercel has no deployment at this address: check the URL in the project's Domains settings.",
}

/** A Vercel error code in a plain-text error page. */
const VERCEL_ERROR = /\b(FUNCTION_INVOCATION_TIMEOUT|FUNCTION_PAYLOAD_TOO_LARGE|DEPLOYMENT_NOT_FOUND)\b/

/** Reads an OpenAI-shaped error body (or anything else) into words and a fix. */
export function explainApiError(status: number, body: string): ExplainedError {
  let error: { message?: unknown; code?: unknown; type?: unknown } = {}
  try {
    const parsed = JSON.parse(body) as { error?: typeof error }
    if (parsed && typeof parsed.error === 'object' && parsed.error !== null) error = parsed.error
  } catch {
    // Not JSON: a gateway's or CDN's own page, shown as text below.
  }
  const code =
    typeof error.code === 'string'
      ? error.code
      : typeof error.type === 'string'
        ? error.type
        : (VERCEL_ERROR.exec(body)?.[1] ?? '')
  const message =
    typeof error.message === 'string'
      ? error.message
      : body.replace(/\s+/g, ' ').trim().slice(0, 160) || '(empty body)'
  const fix =
    FIXES[code] ??
    (status === 401
      ? FIXES.invalid_api_key
      : status === 404
        ? 'Nothing answers that path: check the URL.'
        : undefined)
  return { detail: `HTTP ${status}${code ? ` ${code}` : ''}: ${message}`, fix }
}
