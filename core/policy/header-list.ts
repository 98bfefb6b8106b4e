/**
 * Headers as an ordered list of [name, value] pairs, as they came on the wire: names keep
 * their case, repeated headers stay repeated. Both engines convert to and from this.
 */
export type HeaderPair = readonly [name: string, value: string]
export type HeaderList = readonly HeaderPair[]

/** Node's `rawHeaders`: [name, value, name, value, ...]. */
export function fromRawHeaders(raw: readonly string[]): HeaderPair[] {
  const pairs: HeaderPair[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!])
  return pairs
}

export function toRawHeaders(pairs: HeaderList): string[] {
  const raw: string[] = []
  for (const [name, value] of pairs) raw.push(name, value)
  return raw
}

/** The first value of a header, matched case-insensitively; the name asked for is written in lower case. */
export function getHeader(pairs: HeaderList, lower: Lowercase<string>): string | undefined {
  for (const [key, value] of pairs) if (isHeaderName(key, lower)) return value
  return undefined
}

/**
 * Whether a header name is `lower` (a lower-case name) in any case. Most names a request or a
 * response carries differ from the one looked for in length, and those are told apart without
 * lowering them: a request used to lower ~50 names, each a copy or a scan (callgrind). Header
 * names are ASCII tokens (RFC 9110 section 5.1), whose lower case is as long as they are.
 */
export function isHeaderName(name: string, lower: string): boolean {
  return name.length === lower.length && (name === lower || name.toLowerCase() === lower)
}
