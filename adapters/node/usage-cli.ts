import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { UsageError } from './doctor-args'
import { parseUsageArgs, USAGE_USAGE } from './usage-args'
import { readUsageLine } from './usage-lines'
import { formatUsageTable, UsageTotals } from './usage-report'

export interface UsageIo {
  readonly stdin: Readable
  readonly write: (text: string) => void
  readonly writeError: (text: string) => void
}

/** `oxy usage ...`: resolves to the exit code (2 for a usage error, 1 for an unreadable file). */
export async function runUsageCli(argv: readonly string[], io: UsageIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.write(`${USAGE_USAGE}\n`)
    return 0
  }
  let options: ReturnType<typeof parseUsageArgs>
  try {
    options = parseUsageArgs(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.writeError(`oxy usage: ${error.message}\n\n${USAGE_USAGE}\n`)
    return 2
  }
  const totals = new UsageTotals({ since: options.since, until: options.until })
  const sources = options.files.length === 0 ? ['-'] : options.files
  for (const source of sources) {
    try {
      await readSource(source === '-' ? io.stdin : createReadStream(source), totals)
    } catch (error) {
      io.writeError(`oxy usage: cannot read ${source}: ${(error as Error).message}\n`)
      return 1
    }
  }
  const rows = totals.toRows()
  io.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : formatUsageTable(rows))
  return 0
}

/** Line by line, so an export of any size is read in constant memory. */
async function readSource(input: Readable, totals: UsageTotals): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  for await (const line of lines) {
    const entry = readUsageLine(line)
    if (entry) totals.add(entry)
  }
}
