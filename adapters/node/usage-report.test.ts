import { describe, expect, it } from 'vitest'
import { parseUsageArgs } from './usage-args'
import { formatUsageTable, UsageTotals } from './usage-report'

const at = (iso: string) => Date.parse(iso)
const entry = (
  key: string | undefined,
  model: string | undefined,
  prompt: number,
  completion: number,
  time = '2026-12-01T08:00:00Z',
) => ({
  time: at(time),
  key,
  model,
  promptTokens: prompt,
  completionTokens: completion,
})

describe('UsageTotals', () => {
  it('should sum requests and tokens per key and model, sorted', () => {
    const totals = new UsageTotals()
    totals.add(entry('bob', 'gpt-4o', 10, 20))
    totals.add(entry('alice', 'gpt-4o-mini', 1, 2))
    totals.add(entry('alice', 'gpt-4o-mini', 3, 4))
    totals.add(entry(undefined, undefined, 0, 0))
    expect(totals.toRows()).toEqual([
      { key: '-', model: '-', requests: 1, prompt_tokens: 0, completion_tokens: 0 },
      { key: 'alice', model: 'gpt-4o-mini', requests: 2, prompt_tokens: 4, completion_tokens: 6 },
      { key: 'bob', model: 'gpt-4o', requests: 1, prompt_tokens: 10, completion_tokens: 20 },
    ])
  })

  it('should keep only entries from --since (inclusive) to --until (exclusive)', () => {
    const totals = new UsageTotals({ since: at('2026-12-01T00:00:00Z'), until: at('2026-12-02T00:00:00Z') })
    totals.add(entry('a', 'm', 1, 0, '2026-11-30T23:59:59Z'))
    totals.add(entry('a', 'm', 2, 0, '2026-12-01T00:00:00Z'))
    totals.add(entry('a', 'm', 4, 0, '2026-12-01T23:59:59Z'))
    totals.add(entry('a', 'm', 8, 0, '2026-12-02T00:00:00Z'))
    expect(totals.toRows()).toEqual([
      { key: 'a', model: 'm', requests: 2, prompt_tokens: 6, completion_tokens: 0 },
    ])
  })
})

describe('formatUsageTable', () => {
  it('should print aligned columns and a total', () => {
    const table = formatUsageTable([
      { key: 'alice', model: 'gpt-4o-mini', requests: 2, prompt_tokens: 4, completion_tokens: 6 },
      { key: 'bob', model: 'gpt-4o', requests: 10, prompt_tokens: 1000, completion_tokens: 20 },
    ])
    expect(table).toBe(
      [
        'KEY    MODEL        REQUESTS  PROMPT_TOKENS  COMPLETION_TOKENS',
        'alice  gpt-4o-mini         2              4                  6',
        'bob    gpt-4o             10           1000                 20',
        'total                     12           1004                 26',
        '',
      ].join('\n'),
    )
    expect(formatUsageTable([])).toContain('No oxy access-log lines')
  })
})

describe('parseUsageArgs', () => {
  const now = at('2026-12-01T12:00:00Z')
  it('should read --json, files, ISO times and ages', () => {
    expect(
      parseUsageArgs(['--json', '--since', '24h', '--until=2026-12-01T08:00Z', 'a.log', '-'], now),
    ).toEqual({
      json: true,
      since: at('2026-11-30T12:00:00Z'),
      until: at('2026-12-01T08:00:00Z'),
      files: ['a.log', '-'],
    })
    expect(parseUsageArgs([], now)).toEqual({ json: false, since: undefined, until: undefined, files: [] })
  })

  it('should refuse unknown options and unreadable times', () => {
    expect(() => parseUsageArgs(['--jsn'], now)).toThrow('unknown option --jsn')
    expect(() => parseUsageArgs(['--since', 'yesterday'], now)).toThrow('--since "yesterday"')
    expect(() => parseUsageArgs(['--until'], now)).toThrow('--until needs a time')
  })
})
