import type { UsageEntry } from './usage-lines'

/** One row of `oxy usage`: a key and a model, and what they spent. */
export interface UsageRow {
  key: string
  model: string
  requests: number
  prompt_tokens: number
  completion_tokens: number
}

/** Shown for requests made without a named key (an open proxy) or without a model. */
export const NONE = '-'

export interface UsageWindow {
  readonly since: number | undefined
  readonly until: number | undefined
}

/** Sums entries per key and model, keeping only those in the window; memory grows with rows, not lines. */
export class UsageTotals {
  private readonly rows = new Map<string, UsageRow>()

  constructor(private readonly window: UsageWindow = { since: undefined, until: undefined }) {}

  add(entry: UsageEntry): void {
    if (this.window.since !== undefined && entry.time < this.window.since) return
    if (this.window.until !== undefined && entry.time >= this.window.until) return
    const key = entry.key ?? NONE
    const model = entry.model ?? NONE
    const id = JSON.stringify([key, model])
    let row = this.rows.get(id)
    if (!row) {
      row = { key, model, requests: 0, prompt_tokens: 0, completion_tokens: 0 }
      this.rows.set(id, row)
    }
    row.requests++
    row.prompt_tokens += entry.promptTokens
    row.completion_tokens += entry.completionTokens
  }

  /** Rows sorted by key, then model. */
  toRows(): UsageRow[] {
    return [...this.rows.values()].sort(
      (a, b) => a.key.localeCompare(b.key) || a.model.localeCompare(b.model),
    )
  }
}

const HEADINGS = ['KEY', 'MODEL', 'REQUESTS', 'PROMPT_TOKENS', 'COMPLETION_TOKENS'] as const

/** A plain-text table with a total line; numbers right-aligned. */
export function formatUsageTable(rows: readonly UsageRow[]): string {
  if (rows.length === 0) return 'No oxy access-log lines found.\n'
  const total: UsageRow = { key: 'total', model: '', requests: 0, prompt_tokens: 0, completion_tokens: 0 }
  for (const row of rows) {
    total.requests += row.requests
    total.prompt_tokens += row.prompt_tokens
    total.completion_tokens += row.completion_tokens
  }
  const cells = [...rows, total].map((row) => [
    row.key,
    row.model,
    String(row.requests),
    String(row.prompt_tokens),
    String(row.completion_tokens),
  ])
  const widths = HEADINGS.map((heading, i) =>
    Math.max(heading.length, ...cells.map((cell) => cell[i]!.length)),
  )
  const line = (cell: readonly string[]) =>
    cell
      .map((text, i) => (i < 2 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  return `${[line(HEADINGS), ...cells.slice(0, -1).map(line), line(cells.at(-1)!)].join('\n')}\n`
}
