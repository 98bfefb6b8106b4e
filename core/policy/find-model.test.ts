import { describe, expect, it } from 'vitest'
import type { ModelSearch } from './find-model'
import { createModelFinder, MULTIPART_MODEL_WINDOW_BYTES } from './find-model'

const bytes = (text: string) => new TextEncoder().encode(text)

/** Feeds the body in pieces of `size` bytes; returns the result and how many bytes were pushed. */
function find(body: string, contentType: string, size: number): { search: ModelSearch; pushed: number } {
  const finder = createModelFinder(contentType)
  const all = bytes(body)
  let pushed = 0
  for (let at = 0; at < all.length; at += size) {
    const chunk = all.subarray(at, at + size)
    pushed += chunk.length
    const search = finder.push(chunk)
    if (search.kind !== 'more') return { search, pushed }
  }
  return { search: finder.end(), pushed }
}

/** The oracle: what JSON.parse makes of the body's model. */
function modelAsJsonParseReadsIt(body: string): string | undefined {
  try {
    const model = (JSON.parse(body) as { model?: unknown }).model
    return typeof model === 'string' ? model : undefined
  } catch {
    return undefined
  }
}

const JSON_BODIES = [
  '{"model":"gpt-4o","messages":[]}',
  '{"messages":[{"role":"user","content":"say \\"model\\": \\"x\\""}],"model":"gpt-4o"}',
  '{ "tools": [{"model": "nested"}], "metadata": {"model": "inner"}, "model" : "gpt-4o" }',
  '{"mod\\u0065l":"gpt-4o"}',
  '{"model":"gpt-\\u00e9\\"4o"}',
  '{"model":"模型"}',
  '{"model":4}',
  '{"messages":[]}',
  '["model","gpt-4o"]',
  'not json',
  '',
]

describe('createModelFinder', () => {
  it.each(JSON_BODIES)('should find in %s what JSON.parse finds, whatever the chunking', (body) => {
    const expected = modelAsJsonParseReadsIt(body)
    for (const size of [1, 2, 3, 7, 1024]) {
      const { search } = find(body, 'application/json', size)
      expect(search.kind === 'found' ? search.model : undefined).toBe(expected)
    }
  })

  it('should stop reading a JSON body once the model is known', () => {
    const body = `{"model":"gpt-4o","messages":[{"role":"user","content":"${'x'.repeat(100_000)}"}]}`
    const { search, pushed } = find(body, 'application/json', 1024)
    expect(search).toEqual({ kind: 'found', model: 'gpt-4o' })
    expect(pushed).toBe(1024)
  })

  it('should find the model field of a multipart body split anywhere, and wait for its line end', () => {
    const body =
      '--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\nContent-Type: audio/mpeg\r\n\r\nxxxx\r\n' +
      '--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b--\r\n'
    for (const size of [1, 5, 64, 4096])
      expect(find(body, 'multipart/form-data; boundary=b', size).search).toEqual({
        kind: 'found',
        model: 'whisper-1',
      })
  })

  it('should give up on a multipart body past the first MiB', () => {
    const body = `--b\r\nContent-Disposition: form-data; name="file"\r\n\r\n${'x'.repeat(MULTIPART_MODEL_WINDOW_BYTES)}\r\n--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b--\r\n`
    const { search, pushed } = find(body, 'multipart/form-data; boundary=b', 64 * 1024)
    expect(search).toEqual({ kind: 'absent' })
    expect(pushed).toBeLessThanOrEqual(MULTIPART_MODEL_WINDOW_BYTES + 64 * 1024)
  })
})
