import { UsageError } from './doctor-args'

export interface UsageOptions {
  readonly json: boolean
  readonly since: number | undefined
  readonly until: number | undefined
  /** Files to read; empty: standard input. `-` also means standard input. */
  readonly files: readonly string[]
}

export const USAGE_USAGE = `usage: oxy usage [--json] [--since <time>] [--until <time>] [file ...]

Sums the tokens in oxy access-log lines per access key and model. Reads the files given, or
standard input, and skips every line that is not an oxy access-log line, so a raw export from
docker logs, Tencent CLS, Aliyun SLS, CloudWatch or wrangler tail can be fed as it is.
<time> is an ISO date or time (2026-12-01, 2026-12-01T08:00Z) or an age (30m, 24h, 7d).

  docker logs oxy 2>&1 | npm run usage -- --since 24h
  node oxy.cjs usage --json cls-export.csv cloudwatch.json`

const AGE = /^(\d+)(m|h|d)$/
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const

export function parseUsageArgs(argv: readonly string[], now: number = Date.now()): UsageOptions {
  let json = false
  const times: { since?: number; until?: number } = {}
  const files: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--json') {
      json = true
      continue
    }
    const option = /^--(since|until)(?:=(.*))?$/.exec(arg)
    if (option) {
      const name = option[1] as 'since' | 'until'
      const value = option[2] ?? argv[++i]
      if (value === undefined || value === '')
        throw new UsageError(`--${name} needs a time, such as 24h or 2026-12-01`)
      times[name] = parseTime(name, value, now)
      continue
    }
    if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`)
    files.push(arg)
  }
  return { json, since: times.since, until: times.until, files }
}

function parseTime(name: string, value: string, now: number): number {
  const age = AGE.exec(value.trim())
  if (age) return now - Number(age[1]) * UNIT_MS[age[2] as keyof typeof UNIT_MS]
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(time))
    throw new UsageError(
      `--${name} ${JSON.stringify(value)}: expected 2026-12-01, 2026-12-01T08:00Z or an age such as 24h`,
    )
  return time
}
