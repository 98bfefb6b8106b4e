/** How far into a multipart body the model field is looked for (the SDKs send it near the top). */
export const MULTIPART_MODEL_WINDOW_BYTES = 1024 * 1024
/** Longer keys and model names are not what is looked for; their bytes are not kept. */
const MAX_TOKEN_BYTES = 256

export type ModelSearch =
  /** The model, from the bytes seen so far: the rest of the body need not be read to route it. */
  | { readonly kind: 'found'; readonly model: string }
  /** Not yet: more of the body is needed. */
  | { readonly kind: 'more' }
  /** The body has no string `model` where one is looked for. */
  | { readonly kind: 'absent' }

export interface ModelFinder {
  /** Looks at the next bytes of the body. */
  push(chunk: Uint8Array): ModelSearch
  /** The body ended: what was found, if anything. */
  end(): ModelSearch
}

const MORE: ModelSearch = { kind: 'more' }
const ABSENT: ModelSearch = { kind: 'absent' }

/**
 * Finds the `model` of a request body while it streams in, so that Azure mode reads only until it
 * knows the deployment instead of holding whole bodies: the top-level `model` of a JSON object,
 * or the `model` field in the first MiB of a multipart form.
 */
export function createModelFinder(contentType: string | undefined): ModelFinder {
  return (contentType ?? '').toLowerCase().startsWith('multipart/form-data')
    ? createMultipartFinder()
    : createJsonFinder()
}

/**
 * A top-level-only JSON scanner: tracks nesting and strings byte by byte (every structural
 * character is ASCII, so UTF-8 needs no decoding), and keeps only the bytes of depth-1 keys and
 * of the value after a `model` key. A `model` inside messages or tools is never taken.
 */
function createJsonFinder(): ModelFinder {
  let depth = 0
  let started = false
  let inString = false
  let escaped = false
  let expectingKey = false
  let capture: 'key' | 'value' | undefined
  let token: number[] = []
  let lastKey: string | undefined
  let awaitingValue = false
  let result: ModelSearch = MORE

  const decode = (bytes: number[]): string | undefined => {
    try {
      return JSON.parse(`"${new TextDecoder().decode(Uint8Array.from(bytes))}"`) as string
    } catch {
      return undefined
    }
  }

  function step(byte: number): ModelSearch {
    if (inString) {
      if (escaped) escaped = false
      else if (byte === 0x5c) escaped = true
      else if (byte === 0x22) {
        inString = false
        const text = capture && token.length <= MAX_TOKEN_BYTES ? decode(token) : undefined
        if (capture === 'value') return text === undefined ? ABSENT : { kind: 'found', model: text }
        if (capture === 'key') lastKey = text
        capture = undefined
        return MORE
      }
      if (capture && token.length <= MAX_TOKEN_BYTES) token.push(byte)
      return MORE
    }
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) return MORE
    if (!started) {
      started = true
      if (byte !== 0x7b) return ABSENT
      depth = 1
      expectingKey = true
      return MORE
    }
    if (byte === 0x22) {
      inString = true
      token = []
      capture = depth === 1 && expectingKey ? 'key' : depth === 1 && awaitingValue ? 'value' : undefined
      if (capture === 'key') expectingKey = false
      return MORE
    }
    // A `model` that is not a string is no model, as JSON.parse would have it.
    if (awaitingValue && byte !== 0x3a) return ABSENT
    if (byte === 0x3a && depth === 1) {
      awaitingValue = lastKey === 'model'
      lastKey = undefined
    } else if (byte === 0x2c && depth === 1) expectingKey = true
    else if (byte === 0x7b || byte === 0x5b) depth++
    else if (byte === 0x7d || byte === 0x5d) {
      depth--
      if (depth === 0) return ABSENT
    }
    return MORE
  }

  return {
    push(chunk) {
      if (result.kind !== 'more') return result
      for (const byte of chunk) {
        result = step(byte)
        if (result.kind !== 'more') break
      }
      return result
    },
    end: () => (result.kind === 'more' ? ABSENT : result),
  }
}

/** The model part: its headers, a blank line, and the value up to the line break. */
const MULTIPART_MODEL =
  /content-disposition:[^\r\n]*\bname="model"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]*)(\r\n)?/i

function createMultipartFinder(): ModelFinder {
  const decoder = new TextDecoder()
  let text = ''
  let seen = 0
  let result: ModelSearch = MORE
  const search = (ended: boolean): ModelSearch => {
    const match = MULTIPART_MODEL.exec(text)
    // Without the line break after it the value may continue in the next chunk.
    if (match && (match[2] || ended)) return { kind: 'found', model: match[1] ?? '' }
    return ended || seen >= MULTIPART_MODEL_WINDOW_BYTES ? ABSENT : MORE
  }
  return {
    push(chunk) {
      if (result.kind !== 'more') return result
      const room = MULTIPART_MODEL_WINDOW_BYTES - seen
      const part = chunk.subarray(0, Math.max(0, room))
      seen += part.length
      text += decoder.decode(part, { stream: true })
      result = search(false)
      return result
    },
    end() {
      if (result.kind === 'more') result = search(true)
      return result
    },
  }
}
