/** Whether a line in data[from, to) ends with a bare LF, not CRLF (RFC 9112 section 2.2). */
export function hasBareLf(data: Buffer, from: number, to: number): boolean {
  for (let at = data.indexOf(0x0a, from); at !== -1 && at < to; at = data.indexOf(0x0a, at + 1))
    if (at === from || data[at - 1] !== 0x0d) return true
  return false
}
