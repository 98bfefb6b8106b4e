/** What `oxy doctor` was asked to check. */
export interface DoctorOptions {
  /** The endpoint as the user pasted it, with or without `/v1`. */
  readonly url: string
  /** An API key (or, with a server-held key, an access token) for the model checks. */
  readonly key: string | undefined
  /** An access token sent as x-api-key, for proxies with OXY_ACCESS_KEYS and a client-held key. */
  readonly token: string | undefined
  readonly model: string
  readonly timeoutMs: number
}

export const DEFAULT_DOCTOR_MODEL = 'gpt-4o-mini'
export const DEFAULT_DOCTOR_TIMEOUT_MS = 30_000

export const DOCTOR_USAGE = `usage: oxy doctor <url> [--key <api key>] [--token <access token>] [--model <id>] [--timeout <ms>]

Checks a deployed oxy endpoint: reachable, TLS, health route, the /release stage pitfall, and
with --key: list models and a streaming chat, timed to tell streaming from a buffering platform.
Exit code 0 only when every check passes.

  npm run doctor -- https://1250000000-abc.ap-tokyo.tencentscf.com --key sk-...
  node oxy.cjs doctor https://oxy.example.com/v1 --key sk-...`

export class UsageError extends Error {}

/** Parses `doctor <url> [--key k] [--token t] [--model m] [--timeout ms]` (also `--key=k`). */
export function parseDoctorArgs(argv: readonly string[]): DoctorOptions {
  const flags = new Map<string, string>()
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('--')) {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    if (!['key', 'token', 'model', 'timeout'].includes(name)) throw new UsageError(`unknown option --${name}`)
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1)
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`)
    flags.set(name, value)
  }
  if (positional.length !== 1) throw new UsageError('expected exactly one URL')
  const url = positional[0]!
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UsageError(`${JSON.stringify(url)} is not a URL; expected one such as https://oxy.example.com`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`${JSON.stringify(url)} is not an http(s) URL`)
  }
  const timeout = Number(flags.get('timeout') ?? DEFAULT_DOCTOR_TIMEOUT_MS)
  if (!Number.isInteger(timeout) || timeout <= 0)
    throw new UsageError('--timeout needs milliseconds, such as 30000')
  return {
    url,
    key: flags.get('key'),
    token: flags.get('token'),
    model: flags.get('model') ?? DEFAULT_DOCTOR_MODEL,
    timeoutMs: timeout,
  }
}
