import type { LocalReply, ModelBodyChoice } from '../../policy'
import {
  bodyTooLarge,
  concatBytes,
  createByteBudget,
  MAX_MODEL_LOOKUP_HELD_BYTES,
  modelLookupBusy,
  OxyError,
} from '../../policy'
import { discardRest } from './discard-rest'

/** Shared by every request of this isolate or process: memory is per isolate. */
const HELD = createByteBudget(MAX_MODEL_LOOKUP_HELD_BYTES)

export interface ModelRead {
  readonly chosen: string | LocalReply
  /** The whole body when it was read to its end; otherwise the bytes read, then the rest. */
  readonly body: Uint8Array | ReadableStream<Uint8Array>
}

/**
 * Reads a request body only until the policy knows its model (Azure mode), holding at most
 * `choice.maxBytes` and, with every other lookup of the isolate, at most
 * MAX_MODEL_LOOKUP_HELD_BYTES. Returns the error to answer with instead of throwing.
 */
export async function readUntilModel(
  request: Request,
  choice: ModelBodyChoice,
): Promise<ModelRead | OxyError> {
  if (!request.body) return { chosen: choice.chooseModel(undefined), body: new Uint8Array() }
  const finder = choice.findModel()
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let held = 0
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>
      try {
        next = await reader.read()
      } catch (error) {
        return new OxyError('request_body_incomplete', 'The request body could not be read.', {
          cause: error,
        })
      }
      if (next.done) {
        const search = finder.end()
        return {
          chosen: choice.chooseModel(search.kind === 'found' ? search.model : undefined),
          body: concatBytes(chunks, held),
        }
      }
      const chunk = next.value
      if (held + chunk.byteLength > choice.maxBytes || !HELD.take(chunk.byteLength)) {
        discardRest(reader)
        return held + chunk.byteLength > choice.maxBytes ? bodyTooLarge(choice.maxBytes) : modelLookupBusy()
      }
      held += chunk.byteLength
      chunks.push(chunk)
      const search = finder.push(chunk)
      if (search.kind !== 'more')
        return {
          chosen: choice.chooseModel(search.kind === 'found' ? search.model : undefined),
          body: thenRest(chunks, reader),
        }
    }
  } finally {
    HELD.give(held)
  }
}

/** The chunks already read, then whatever the reader still has, as one stream. */
function thenRest(
  chunks: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const first = chunks.shift()
      if (first) return controller.enqueue(first)
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
}
