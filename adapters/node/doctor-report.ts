export type Verdict = 'ok' | 'warn' | 'fail' | 'skip'

/** One line of the doctor's report, with what to do when it is not ok. */
export interface CheckResult {
  readonly name: string
  readonly verdict: Verdict
  readonly detail: string
  readonly fix?: string | undefined
}

const LABELS: Readonly<Record<Verdict, string>> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' }
const NAME_WIDTH = 10

/** `  FAIL  streaming   6 pieces within 3 ms...` and an indented `fix:` line under it. */
export function formatCheck(result: CheckResult): string {
  const line = `  ${LABELS[result.verdict].padEnd(4)}  ${result.name.padEnd(NAME_WIDTH)}  ${result.detail}`
  if (!result.fix || result.verdict === 'ok') return line
  return `${line}\n${' '.repeat(NAME_WIDTH + 10)}fix: ${result.fix}`
}

/** The last line: the verdict a person reads first when scrolling back. */
export function formatSummary(results: readonly CheckResult[]): string {
  const failed = results.filter((result) => result.verdict === 'fail').length
  if (failed === 0) return 'verdict: every check passed'
  return `verdict: ${failed} check${failed === 1 ? '' : 's'} failed`
}
