const encoder = new TextEncoder()

/**
 * Compares two strings in time that depends only on the length of `expected`, so that a
 * client probing tokens learns nothing from how fast a wrong guess is refused. Written out
 * instead of node:crypto's timingSafeEqual because the policy runs on Workers too.
 */
export function constantTimeEqual(provided: string, expected: string): boolean {
  const a = encoder.encode(provided)
  const b = encoder.encode(expected)
  let difference = a.length ^ b.length
  for (let i = 0; i < b.length; i++) difference |= (a[i % Math.max(a.length, 1)] ?? 0) ^ b[i]!
  return difference === 0
}
