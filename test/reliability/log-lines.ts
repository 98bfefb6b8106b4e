/** A parsed access-log line. */
export interface AccessLine {
  readonly msg: string
  readonly path: string
  readonly status: number
  readonly error?: string
}

/** The access-log lines among `lines` (JSON lines with msg "request"). */
export function accessLines(lines: readonly string[]): AccessLine[] {
  const parsed: AccessLine[] = []
  for (const line of lines) {
    if (!line.startsWith('{')) continue
    try {
      const record = JSON.parse(line) as AccessLine
      if (record.msg === 'request') parsed.push(record)
    } catch {}
  }
  return parsed
}

/**
 * Waits, boundedly, until `read()` holds at least one access line for `path` after the first
 * `since` lines, then a little longer so that a second line, if any, shows too.
 */
export async function settledLinesFor(
  read: () => readonly string[],
  since: number,
  path: string,
  waitMs = 3_000,
): Promise<AccessLine[]> {
  const deadline = Date.now() + waitMs
  const matching = () => accessLines(read().slice(since)).filter((line) => line.path === path)
  while (matching().length === 0 && Date.now() < deadline) await sleep(20)
  await sleep(150)
  return matching()
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
