/**
 * Byte helpers the policy and both engines share: joining chunks read apart, and latin1 text,
 * one char per byte, for searching bytes with string tools (binary parts cannot break it, and
 * multi-byte UTF-8 never forms an ASCII character such as a quote).
 */

/**
 * The chunks in one array of `size` bytes (their total). One chunk is returned as it is, not
 * copied: a request body usually arrives whole, and every caller owns the chunks it passes.
 */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === size) return chunks[0]!
  const all = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    all.set(chunk, offset)
    offset += chunk.byteLength
  }
  return all
}

const LATIN1_SLICE = 8192

export function latin1Text(bytes: Uint8Array): string {
  // apply takes the typed array as the argument list as it is; a spread would iterate it (~6x
  // slower on a 200-byte answer). In slices: a whole large chunk would overflow the stack.
  if (bytes.length <= LATIN1_SLICE) return String.fromCharCode.apply(null, bytes as unknown as number[])
  let text = ''
  for (let i = 0; i < bytes.length; i += LATIN1_SLICE)
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + LATIN1_SLICE) as unknown as number[])
  return text
}

/** The bytes latin1Text read: each char's code is its byte. */
export function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0))
}
