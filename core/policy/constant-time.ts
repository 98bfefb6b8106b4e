/**
 * Compares two strings in time that depends only on the length of `expected`, so that a
 * client probing tokens learns nothing from how fast a wrong guess is refused. Written out
 * instead of node:crypto's timingSafeEqual because the policy runs on Workers too.
 */
export function constantTimeEqual(provided: string, expected: string): boolean {
  // UTF-16 code units, compared without encoding either string: this runs on every request.
  let difference = provided.length ^ expected.length
  const wrap = Math.max(provided.length, 1)
  for (let i = 0; i < expected.length; i++) {
    difference |= (provided.charCodeAt(i % wrap) || 0) ^ expected.charCodeAt(i)
  }
  return difference === 0
}
