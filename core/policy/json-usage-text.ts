/**
 * Reading a usage object out of JSON text without parsing all of it: the whole answer's sole
 * top-level usage (usage-scanner's fast path), and the last usage in a tail that may start
 * mid-way (its fallback for answers larger than it keeps).
 */

/**
 * The usage of a whole JSON answer whose one and only `"usage` key is a member of its top-level
 * object, read without parsing the rest of the answer: what `JSON.parse` and usage-scanner's mergeEvent
 * would find there, at the cost of the usage object and what follows it (the answer itself,
 * often kilobytes, is only searched by indexOf). Undefined in every other case, for the whole parse
 * to decide: no such key, a second one anywhere (nested under `response` or `message`, or a
 * duplicate), or one whose object is not closed by the top-level object's last brace.
 */
export function soleTopLevelUsage(text: string): Record<string, unknown> | undefined {
  const at = text.indexOf('"usage')
  if (at === -1 || text.indexOf('"usage', at + 1) !== -1) return undefined
  const braces = usageBracesAt(text, at)
  if (!braces || !closesTopLevel(text, braces[1] + 1)) return undefined
  return objectIn(text, braces)
}

const USAGE_KEY = /^"(usage|usageMetadata)"\s*:\s*\{/
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * True when, from `from` on, the first bracket that closes more than it opens is a `}` with only
 * whitespace after it: the last brace of the document, so what came before `from` was a member of
 * the top-level object.
 */
function closesTopLevel(text: string, from: number): boolean {
  let depth = 0
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === QUOTE) {
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++)
        if (text.charCodeAt(i) === BACKSLASH) i++
    } else if (code === 0x7b || code === 0x5b) depth++
    else if (code === 0x7d || code === 0x5d) {
      if (depth-- > 0) continue
      return code === 0x7d && text.slice(i + 1).trim() === ''
    }
  }
  return false
}

/**
 * The last `"usage": {...}` (or `"usageMetadata"`) object in a piece of JSON that may start mid-way.
 * A quote inside a JSON string is always escaped, so an unescaped `"usage"` followed by `:` is a key.
 */
export function findLastUsageObject(text: string): Record<string, unknown> | undefined {
  for (let at = text.lastIndexOf('"usage'); at !== -1; at = text.lastIndexOf('"usage', at - 1)) {
    const braces = usageBracesAt(text, at)
    const value = braces && objectIn(text, braces)
    if (value) return value
  }
  return undefined
}

/** Where the object of a `"usage": {` or `"usageMetadata": {` key at `at` opens and closes. */
function usageBracesAt(text: string, at: number): [start: number, end: number] | undefined {
  const key = USAGE_KEY.exec(text.slice(at, at + 40))
  if (!key || escapedAt(text, at)) return undefined
  const start = at + key[0].length - 1
  const end = matchingBrace(text, start)
  return end === -1 ? undefined : [start, end]
}

/** The JSON object between the two braces, or undefined when it does not parse as one. */
function objectIn(text: string, [start, end]: [number, number]): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text.slice(start, end + 1))
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

function escapedAt(text: string, at: number): boolean {
  let backslashes = 0
  for (let i = at - 1; i >= 0 && text[i] === '\\'; i--) backslashes++
  return backslashes % 2 === 1
}

function matchingBrace(text: string, start: number): number {
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === BACKSLASH) i++
      else if (code === QUOTE) inString = false
    } else if (code === QUOTE) inString = true
    else if (code === 0x7b) depth++
    else if (code === 0x7d && --depth === 0) return i
  }
  return -1
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
