/**
 * Finds oxy access-log entries in lines from any log source: `docker logs` (with or without
 * timestamps or compose prefixes), Tencent CLS and Aliyun SLS downloads (plain text, CSV with
 * doubled quotes, JSON), CloudWatch (`aws logs tail`, `filter-log-events` JSON with the line as an
 * escaped string), `wrangler tail` (pretty or JSON). A line that holds no access entry is skipped.
 */

export interface UsageEntry {
  /** Milliseconds since the epoch, from the entry's `time`. */
  readonly time: number
  readonly key: string | undefined
  readonly model: string | undefined
  readonly promptTokens: number
  readonly completionTokens: number
}

/** Nesting a log service may wrap a line in (an export's record holding the line as a string). */
const MAX_DEPTH = 4

export function readUsageLine(line: string): UsageEntry | undefined {
  if (!line.includes('request')) return undefined
  return findEntry(line, 0)
}

function findEntry(text: string, depth: number): UsageEntry | undefined {
  if (depth > MAX_DEPTH) return undefined
  const start = text.indexOf('{')
  const end = text.lastIndexOf('}')
  if (start === -1 || end < start) return undefined
  const candidates = [text.slice(start, end + 1)]
  // CSV exports double the quotes inside a quoted field.
  if (candidates[0]!.includes('""')) candidates.push(candidates[0]!.replaceAll('""', '"'))
  for (const candidate of candidates) {
    const parsed = tryParse(candidate)
    if (parsed !== undefined) {
      const found = fromValue(parsed, depth)
      if (found) return found
    }
  }
  // The line may sit inside a JSON string: `"message": "{\"time\":...}"`.
  for (const literal of text.matchAll(/"((?:[^"\\]|\\.)*\{(?:[^"\\]|\\.)*)"/g)) {
    const inner = tryParse(`"${literal[1]}"`)
    if (typeof inner === 'string' && inner.includes('request')) {
      const found = findEntry(inner, depth + 1)
      if (found) return found
    }
  }
  return undefined
}

function fromValue(value: unknown, depth: number): UsageEntry | undefined {
  if (typeof value === 'string') return value.includes('{') ? findEntry(value, depth + 1) : undefined
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return undefined
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = fromValue(item, depth + 1)
      if (found) return found
    }
    return undefined
  }
  const record = value as Record<string, unknown>
  const entry = toEntry(record)
  if (entry) return entry
  for (const child of Object.values(record)) {
    const found = fromValue(child, depth + 1)
    if (found) return found
  }
  return undefined
}

function toEntry(record: Record<string, unknown>): UsageEntry | undefined {
  if (record.msg !== 'request' || typeof record.method !== 'string' || typeof record.time !== 'string') {
    return undefined
  }
  const time = Date.parse(record.time)
  if (Number.isNaN(time)) return undefined
  return {
    time,
    key: typeof record.key === 'string' ? record.key : undefined,
    model: typeof record.model === 'string' ? record.model : undefined,
    promptTokens: count(record.prompt_tokens),
    completionTokens: count(record.completion_tokens),
  }
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
