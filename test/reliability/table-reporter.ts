import type { RunnerTask, RunnerTestFile } from 'vitest'
import type { Reporter } from 'vitest/reporters'
import type { FamilyResult } from './tally'

/**
 * Prints, after the run, one row per case family and target: cases tried, cases passed. Used by
 * `npm run test:reliability`; the rows come from each test's meta (see tally.ts).
 */
export default class TableReporter implements Reporter {
  onFinished(files: readonly RunnerTestFile[] = []): void {
    const rows = new Map<string, FamilyResult>()
    const measured: string[] = []
    for (const file of files) {
      for (const task of walk(file)) {
        if (task.meta.measured)
          measured.push(`${task.suite?.name ?? ''} > ${task.name}: ${JSON.stringify(task.meta.measured)}`)
        const result = task.meta.reliability
        if (!result) continue
        const key = `${result.family}\u0000${result.target}`
        const row = rows.get(key) ?? { family: result.family, target: result.target, tried: 0, passed: 0 }
        row.tried += result.tried
        row.passed += result.passed
        rows.set(key, row)
      }
    }
    if (rows.size === 0) return
    const sorted = [...rows.values()].sort(
      (a, b) => a.family.localeCompare(b.family) || a.target.localeCompare(b.target),
    )
    const header = ['case family', 'target', 'tried', 'passed']
    const body = sorted.map((row) => [row.family, row.target, String(row.tried), String(row.passed)])
    const total = sorted.reduce((sum, row) => [sum[0]! + row.tried, sum[1]! + row.passed], [0, 0])
    body.push(['total', '', String(total[0]), String(total[1])])
    process.stdout.write(`\n${formatTable(header, body)}\n`)
    if (measured.length > 0)
      process.stdout.write(`\nMeasured:\n${measured.map((line) => `- ${line}`).join('\n')}\n`)
  }
}

function* walk(task: RunnerTask): Generator<RunnerTask> {
  yield task
  if ('tasks' in task) for (const child of task.tasks) yield* walk(child)
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`
  return [line(header), rule, ...rows.map(line)].join('\n')
}
