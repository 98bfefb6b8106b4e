import { ModelReader } from './model-reader'

/** How far into a multipart body the model field is looked for (the SDKs send it near the top). */
export const MULTIPART_MODEL_WINDOW_BYTES = 1024 * 1024

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
 * or the `model` field in the first MiB of a multipart form. The bytes are read by the one model
 * scanner there is (model-reader.ts); any body that is not multipart is read as JSON.
 */
export function createModelFinder(contentType: string | undefined): ModelFinder {
  const multipart = (contentType ?? '').toLowerCase().startsWith('multipart/form-data')
  const reader = new ModelReader(multipart ? contentType : 'application/json')
  let seen = 0
  const state = (): ModelSearch => {
    if (reader.model !== undefined) return { kind: 'found', model: reader.model }
    return reader.done || (multipart && seen >= MULTIPART_MODEL_WINDOW_BYTES) ? ABSENT : MORE
  }
  return {
    push(chunk) {
      if (reader.done) return state()
      const part = multipart ? chunk.subarray(0, Math.max(0, MULTIPART_MODEL_WINDOW_BYTES - seen)) : chunk
      seen += part.length
      reader.push(part)
      return state()
    },
    end() {
      reader.end()
      return state()
    },
  }
}
