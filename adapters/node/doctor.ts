import { HEALTH_PATH, VERSION } from '../../core'
import type { DoctorOptions } from './doctor-args'
import { toEndpointForms } from './doctor-base-url'
import type { CheckResult } from './doctor-report'
import { formatCheck, formatSummary } from './doctor-report'
import { inspectTls } from './doctor-tls'
import { explainApiError } from './explain-api-error'
import { judgeStream } from './judge-stream'
import type { PlatformHint } from './platform-hints'
import { platformHintFor } from './platform-hints'

/** A certificate that expires sooner than this is worth a warning. */
const CERT_WARN_DAYS = 14
const DAY_MS = 86_400_000
/** Asks for a reply long enough (~40 tokens) that a real stream visibly spreads in time. */
const CHAT_PROMPT = 'Count from 1 to 20, separated by spaces.'

const BUFFERED_FIX =
  'Something between the client and oxy collects the whole response before sending it. AWS: use the function URL ' +
  'with InvokeMode RESPONSE_STREAM and the handler index.streamHandler. Tencent SCF: use the function URL, not an ' +
  'API gateway. A CDN or nginx in front: turn response buffering off (proxy_buffering off).'

type Health = { ok: true; version: string } | { ok: false; detail: string; network: boolean }

/**
 * Checks a deployed endpoint the way a user's client will meet it and prints one verdict per
 * line. Resolves to the exit code: 0 only when no check failed.
 */
export async function runDoctor(options: DoctorOptions, write: (text: string) => void): Promise<number> {
  const results: CheckResult[] = []
  const report = (result: CheckResult) => {
    results.push(result)
    write(`${formatCheck(result)}\n`)
  }
  const forms = toEndpointForms(options.url)
  const hint = platformHintFor(new URL(forms.given).hostname)
  write(`oxy doctor ${VERSION}: checking ${forms.given}\n`)

  const given = await fetchHealth(forms.given, options.timeoutMs)
  report(
    given.ok || !given.network
      ? { name: 'reachable', verdict: 'ok', detail: `${new URL(forms.given).host} answers HTTP` }
      : {
          name: 'reachable',
          verdict: 'fail',
          detail: given.detail,
          fix: hint?.unreachable ?? 'Check the URL, and that the function is deployed and its URL enabled.',
        },
  )
  report(await checkTls(forms.given, options.timeoutMs, given.ok || !given.network))
  report(
    given.ok
      ? { name: 'health', verdict: 'ok', detail: `oxy ${given.version} answers ${HEALTH_PATH}` }
      : given.network
        ? skip('health', 'nothing answered')
        : {
            name: 'health',
            verdict: 'fail',
            detail: given.detail,
            fix: 'This URL does not reach oxy: see the next line, or check that the zip is deployed.',
          },
  )

  const other = await fetchHealth(forms.other, options.timeoutMs)
  const stage = judgeStage(forms, given.ok, other.ok)
  report(stage.result)
  if (!stage.base) {
    report(skip('models', 'no working base URL'))
    report(skip('streaming', 'no working base URL'))
    return finish(results, write)
  }
  if (options.key === undefined && options.token === undefined) {
    report(skip('models', 'pass --key to list models through the endpoint'))
    report(skip('streaming', 'pass --key to time a streaming chat'))
    return finish(results, write, stage.base)
  }
  const headers = credentialHeaders(options)
  report(await checkModels(stage.base, headers, options))
  report(await checkStreaming(stage.base, headers, options, hint))
  return finish(results, write, stage.base)
}

function finish(results: readonly CheckResult[], write: (text: string) => void, base?: string): number {
  if (base) write(`\nbase URL for your client: ${base}/v1\n`)
  write(`${formatSummary(results)}\n`)
  return results.some((result) => result.verdict === 'fail') ? 1 : 0
}

function skip(name: string, detail: string): CheckResult {
  return { name, verdict: 'skip', detail }
}

async function fetchHealth(root: string, timeoutMs: number): Promise<Health> {
  let response: Response
  try {
    response = await fetch(root + HEALTH_PATH, {
      headers: { Accept: 'application/json', 'User-Agent': `oxy-doctor/${VERSION}` },
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    return { ok: false, detail: describeNetworkError(error, timeoutMs), network: true }
  }
  const body = await response.text()
  try {
    const health = JSON.parse(body) as { status?: unknown; version?: unknown }
    if (response.status === 200 && health.status === 'ok')
      return { ok: true, version: String(health.version) }
  } catch {
    // Not oxy's JSON: described below.
  }
  return {
    ok: false,
    detail: `${root}${HEALTH_PATH}: ${explainApiError(response.status, body).detail}`,
    network: false,
  }
}

/** The /release pitfall: old API-gateway URLs need the stage segment, function URLs must not have it. */
function judgeStage(
  forms: { given: string; other: string },
  givenOk: boolean,
  otherOk: boolean,
): { result: CheckResult; base: string | undefined } {
  if (givenOk) {
    const also = otherOk ? `; ${forms.other} works too` : ''
    return {
      result: { name: 'base URL', verdict: 'ok', detail: `${forms.given}/v1${also}` },
      base: forms.given,
    }
  }
  if (otherOk) {
    return {
      result: {
        name: 'base URL',
        verdict: 'fail',
        detail: `${forms.given} does not reach oxy, but ${forms.other} does`,
        fix: `Use ${forms.other}/v1 as the base URL (API gateway URLs need their stage, such as /release; function URLs have none).`,
      },
      base: forms.other,
    }
  }
  return {
    result: {
      name: 'base URL',
      verdict: 'fail',
      detail: `neither ${forms.given} nor ${forms.other} reaches oxy`,
      fix: "Copy the URL from the platform's console again; the guides in docs/ show where it is.",
    },
    base: undefined,
  }
}

async function checkTls(root: string, timeoutMs: number, reachable: boolean): Promise<CheckResult> {
  const url = new URL(root)
  if (url.protocol === 'http:') {
    return isLocalHost(url.hostname)
      ? { name: 'TLS', verdict: 'skip', detail: 'plain HTTP on a local address' }
      : {
          name: 'TLS',
          verdict: 'fail',
          detail: 'plain HTTP: API keys would cross the internet unencrypted',
          fix: 'Use the https:// address the platform gives, or put TLS in front of a self-hosted server.',
        }
  }
  try {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1')
    const tls = await inspectTls(hostname, Number(url.port || 443), timeoutMs)
    if (!tls.authorized) {
      return {
        name: 'TLS',
        verdict: 'fail',
        detail: `the certificate is not trusted: ${tls.error ?? 'unknown reason'}`,
        fix: "Clients will refuse it. Use the platform's default domain, or fix the custom domain's certificate.",
      }
    }
    const daysLeft = tls.validTo ? Math.floor((tls.validTo.getTime() - Date.now()) / DAY_MS) : undefined
    const detail = `${tls.protocol}, certificate valid${tls.validTo ? ` until ${tls.validTo.toISOString().slice(0, 10)}` : ''}`
    if (daysLeft !== undefined && daysLeft < CERT_WARN_DAYS) {
      return {
        name: 'TLS',
        verdict: 'warn',
        detail: `${detail}: ${daysLeft} days left`,
        fix: 'Renew the certificate.',
      }
    }
    return { name: 'TLS', verdict: 'ok', detail }
  } catch (error) {
    // Unreachable is reported once, on its own line; a failed handshake with a live server is TLS's.
    if (!reachable) return skip('TLS', 'nothing answered')
    return {
      name: 'TLS',
      verdict: 'fail',
      detail: `no TLS handshake: ${describeNetworkError(error, timeoutMs)}`,
    }
  }
}

function credentialHeaders(options: DoctorOptions): Record<string, string> {
  const headers: Record<string, string> = { 'User-Agent': `oxy-doctor/${VERSION}` }
  if (options.key !== undefined) headers.Authorization = `Bearer ${options.key}`
  if (options.token !== undefined) {
    if (options.key === undefined) headers.Authorization = `Bearer ${options.token}`
    else headers['x-api-key'] = options.token
  }
  return headers
}

async function checkModels(
  base: string,
  headers: Record<string, string>,
  options: DoctorOptions,
): Promise<CheckResult> {
  let response: Response
  try {
    response = await fetch(`${base}/v1/models`, { headers, signal: AbortSignal.timeout(options.timeoutMs) })
  } catch (error) {
    return { name: 'models', verdict: 'fail', detail: describeNetworkError(error, options.timeoutMs) }
  }
  const body = await response.text()
  if (response.status !== 200)
    return { name: 'models', verdict: 'fail', ...explainApiError(response.status, body) }
  let ids: string[]
  try {
    ids = ((JSON.parse(body) as { data: { id: string }[] }).data ?? []).map((model) => model.id)
  } catch {
    return { name: 'models', verdict: 'fail', detail: `HTTP 200 but not a model list: ${body.slice(0, 120)}` }
  }
  const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', ...' : '')
  const has = ids.includes(options.model) ? '' : `; ${options.model} is not among them (try --model)`
  return { name: 'models', verdict: 'ok', detail: `${ids.length} models (${shown})${has}` }
}

async function checkStreaming(
  base: string,
  headers: Record<string, string>,
  options: DoctorOptions,
  hint: PlatformHint | undefined,
): Promise<CheckResult> {
  const started = performance.now()
  const arrivals: number[] = []
  let text = ''
  try {
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({
        model: options.model,
        stream: true,
        messages: [{ role: 'user', content: CHAT_PROMPT }],
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    })
    if (response.status !== 200) {
      return {
        name: 'streaming',
        verdict: 'fail',
        ...explainApiError(response.status, await response.text()),
      }
    }
    const type = response.headers.get('content-type') ?? ''
    if (!type.startsWith('text/event-stream')) {
      return {
        name: 'streaming',
        verdict: 'fail',
        detail: `HTTP 200 but Content-Type ${type || '(none)'}, not an event stream`,
      }
    }
    const decoder = new TextDecoder()
    for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
      arrivals.push(performance.now() - started)
      text += decoder.decode(piece, { stream: true })
    }
  } catch (error) {
    return {
      name: 'streaming',
      verdict: 'fail',
      detail: describeNetworkError(error, options.timeoutMs),
      fix: hint?.cut,
    }
  }
  const events = text.split('\n').filter((line) => line.startsWith('data:')).length
  const verdict = judgeStream({ arrivals })
  const timing = `${verdict.pieces} piece${verdict.pieces === 1 ? '' : 's'} (${events} events), first after ${Math.round(verdict.firstByteMs)} ms`
  if (!text.includes('data: [DONE]')) {
    return {
      name: 'streaming',
      verdict: 'fail',
      detail: `${timing}, but the stream ended without data: [DONE]`,
      fix: hint?.cut,
    }
  }
  if (verdict.streams) {
    return {
      name: 'streaming',
      verdict: 'ok',
      detail: `${timing}, spread over ${Math.round(verdict.spreadMs)} ms`,
    }
  }
  return {
    name: 'streaming',
    verdict: 'fail',
    detail: `${timing}, all within ${Math.round(verdict.spreadMs)} ms: buffered into one lump`,
    fix: hint?.buffered ? `${hint.buffered} ${BUFFERED_FIX}` : BUFFERED_FIX,
  }
}

/** fetch() says only "fetch failed"; the reason is in its cause. */
function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return `no answer within ${timeoutMs} ms`
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? (error as { code?: string }).code
  const known: Record<string, string> = {
    ENOTFOUND: 'the host name does not resolve (DNS)',
    EAI_AGAIN: 'DNS lookup failed (temporary)',
    ECONNREFUSED: 'the connection was refused',
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
    UND_ERR_SOCKET: 'the connection closed unexpectedly',
  }
  if (code && known[code]) return `${known[code]} (${code})`
  if ((cause?.message ?? (error as Error).message) === 'bad port') {
    return 'fetch refuses to connect to this port (https://fetch.spec.whatwg.org/#bad-port): serve oxy on another port'
  }
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error))
  return code ? `${message} (${code})` : message
}

function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1')
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127\./.test(host) ||
    /^10\./.test(host) ||
    /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host)
  )
}
