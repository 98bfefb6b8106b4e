import type { OxyError } from '../../policy'

/**
 * Reads a response body as text, up to `maxBytes`: past that the body is cancelled and
 * `tooLarge()` thrown, so that an answer that never ends costs at most `maxBytes` of memory.
 */
export async function readCappedText(
  response: Response,
  maxBytes: number,
  tooLarge: () => OxyError,
): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let size = 0
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    size += value.byteLength
    if (size > maxBytes) {
      reader.cancel().catch(() => {})
      throw tooLarge()
    }
    text += decoder.decode(value, { stream: true })
  }
}
