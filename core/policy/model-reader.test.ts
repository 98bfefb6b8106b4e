import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseKeyRules } from './key-rules'
import { checkModelRule, ModelReader, modelFromPath } from './model-reader'

const encoder = new TextEncoder()

function read(
  body: string | Uint8Array,
  contentType = 'application/json',
  cuts: number[] = [],
  wholeBody = false,
): ModelReader {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body
  const reader = new ModelReader(contentType, { wholeBody })
  let from = 0
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    reader.push(bytes.subarray(from, cut))
    from = cut
  }
  reader.end()
  return reader
}

describe('ModelReader', () => {
  it('should find the top-level model wherever it sits, across any chunking', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((k) => k !== 'model'),
          fc.jsonValue(),
        ),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.array(fc.nat({ max: 400 })),
        (others, model, position, cuts) => {
          const entries = Object.entries(others)
          entries.splice(position % (entries.length + 1), 0, ['model', model])
          const body = JSON.stringify(Object.fromEntries(entries), null, position % 2 === 0 ? 0 : 2)
          expect(read(body, 'application/json', cuts).model).toBe(model)
        },
      ),
    )
  })

  it('should find the model after contents full of quotes and backslashes, split anywhere', () => {
    // Contents are skipped by searching for the closing quote: an escaped quote or a run of
    // backslashes across a chunk boundary must not end the string early or late.
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('\\', '"', 'a', '{', '\n') }), { maxLength: 6 }),
        fc.array(fc.nat({ max: 300 })),
        (contents, cuts) => {
          const messages = contents.map((content) => ({ role: 'user', content, model: 'nested' }))
          const body = JSON.stringify({ messages, note: contents.join(''), model: 'gpt-4o' })
          expect(read(body, 'application/json', cuts).model).toBe('gpt-4o')
        },
      ),
      { numRuns: 500 },
    )
  })

  it('should ignore "model" inside strings and nested objects', () => {
    const body = JSON.stringify({
      messages: [{ role: 'user', content: '"model":"gpt-evil"', model: 'nested' }],
      metadata: { model: 'nested-too' },
      model: 'gpt-4o-mini',
    })
    expect(read(body).model).toBe('gpt-4o-mini')
    expect(read('{"messages":[],"model":42}').model).toBeUndefined()
    expect(read('["model","gpt-4o"]').model).toBeUndefined()
    expect(read('not json "model":"x"').model).toBeUndefined()
  })

  it('should stop as soon as the model is known, before the rest of a large body', () => {
    const reader = new ModelReader('application/json')
    reader.push(encoder.encode('{"model":"gpt-4o","messages":[{"content":"'))
    expect(reader.done).toBe(true)
    expect(reader.model).toBe('gpt-4o')
  })

  it('should read a multipart model field after a binary file part, split across chunks', () => {
    const boundary = '----oxy'
    const file = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256)
    const head = encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    )
    const tail = encoder.encode(
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--${boundary}--\r\n`,
    )
    const body = new Uint8Array([...head, ...file, ...tail])
    const type = `multipart/form-data; boundary=${boundary}`
    for (const cut of [10, head.length + 4999, body.length - 20, body.length - 40]) {
      expect(read(body, type, [cut]).model).toBe('whisper-1')
    }
  })

  it('should find a body that names its model twice ambiguous, read whole, split anywhere', () => {
    const twice =
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"\\"model\\":1"}],"model":"o1-pro"}'
    const once =
      '{"model":"gpt-4o-mini","messages":[{"content":"hi","model":"nested"}],"metadata":{"model":"x"}}'
    for (let cut = 0; cut <= twice.length; cut++) {
      expect(read(twice, 'application/json', [cut], true).ambiguous).toBe(true)
      const single = read(once, 'application/json', [cut], true)
      expect([single.ambiguous, single.model]).toEqual([false, 'gpt-4o-mini'])
    }
    // Reading for the log stops at the first: it is not asked to look further.
    expect(read(twice).ambiguous).toBe(false)
    const boundary = '----oxy'
    const field = (value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\n${value}\r\n`
    const multipart = `${field('whisper-1')}${'x'.repeat(3000)}\r\n${field('gpt-4o-transcribe')}--${boundary}--\r\n`
    const type = `multipart/form-data; boundary=${boundary}`
    for (const cut of [0, 60, 1500, 3100, multipart.length - 30]) {
      expect(read(multipart, type, [cut], true).ambiguous).toBe(true)
    }
    expect(read(`${field('whisper-1')}--${boundary}--\r\n`, type, [], true).model).toBe('whisper-1')
  })

  it('should read an escaped model key as JSON.parse does, and tell a body that is not an object', () => {
    for (const body of ['{"mod\\u0065l":"o1-pro"}', '{"m\\u006fdel" : "o1-pro"}']) {
      expect(read(body).model).toBe(JSON.parse(body).model)
    }
    expect(read('{"mod\\u0065ls":"x","model":"gpt-4o"}').model).toBe('gpt-4o')
    for (const body of ['["model","gpt-4o"]', '"model"', 'model=gpt-4o', '42']) {
      expect(read(body, 'application/json', [], true).notAnObject).toBe(true)
    }
    expect(read(' \n{"model":"gpt-4o"}', 'application/json', [], true).notAnObject).toBe(false)
  })

  it('should not look into bodies that are neither JSON nor multipart', () => {
    const reader = new ModelReader('audio/wav')
    expect(reader.done).toBe(true)
  })
})

describe('modelFromPath', () => {
  it('should read the model from a Gemini path', () => {
    expect(modelFromPath('/v1beta/models/gemini-2.0-flash:streamGenerateContent')).toBe('gemini-2.0-flash')
    expect(modelFromPath('/v1/chat/completions')).toBeUndefined()
  })
})

describe('checkModelRule', () => {
  const keys = [{ name: 'alice', token: 'alice-token-0123456789' }]
  const rule = parseKeyRules('OXY_KEY_RULES', '{"alice":{"models":["gpt-4o-mini"]}}', keys).get('alice')

  it('should refuse a model outside the list with an OpenAI-shaped 403 naming key and model', () => {
    const error = checkModelRule(rule, 'alice', 'gpt-4o')
    expect(error?.status).toBe(403)
    expect(error?.code).toBe('model_not_allowed')
    expect(error?.message).toContain('"alice" may not use the model `gpt-4o`')
    expect(checkModelRule(rule, 'alice', 'gpt-4o-mini')).toBeUndefined()
    expect(checkModelRule(undefined, 'alice', 'gpt-4o')).toBeUndefined()
  })

  it('should refuse a restricted key whose model could not be read', () => {
    expect(checkModelRule(rule, 'alice', undefined, true)?.code).toBe('model_not_allowed')
  })
})
