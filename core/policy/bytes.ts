/**
 * Byte helpers the policy and both engines share: joining chunks read apart, and latin1 text,
 * one char per byte, for searching bytes with string tools (binary parts cannot break it, and
 * multi-byte UTF-8 never forms an ASCII character such as a quote).
 */

/** The chunks in one array of `size` bytes (their total). */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const all = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    all.set(chunk, offset)
    offset += chunk.byteLength
  }
  return all
}

export function latin1Text(bytes: Uint8Array): string {
  let text = ''
  // In slices: a spread argument list of a whole large chunk would overflow the stack.
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192))
  return text
}

/** The bytes latin1Text read: each char's code is its byte. */
export function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0))
}
