import type { LocalReply, ModelBodyChoice, ModelSearch } from '../../policy'
import {
  bodyTooLarge,
  createByteBudget,
  MAX_MODEL_LOOKUP_HELD_BYTES,
  modelLookupBusy,
  OxyError,
} from '../../policy'
import type { ServedRequest } from './served'

/** Shared by every request of this process: memory is per process. */
const HELD = createByteBudget(MAX_MODEL_LOOKUP_HELD_BYTES)

export interface ModelRead {
  readonly chosen: string | LocalReply
  /** The bytes read to find the model; they go upstream first. */
  readonly prefix: Buffer
  /** True when the whole body was read; otherwise the rest follows on `req`, paused. */
  readonly ended: boolean
}

/**
 * Reads a request body only until the policy knows its model (Azure mode), holding at most
 * `choice.maxBytes` and, with every other lookup of the process, at most
 * MAX_MODEL_LOOKUP_HELD_BYTES. `req` is left paused with the rest of the body unread.
 */
export function readUntilModel(req: ServedRequest, choice: ModelBodyChoice): Promise<ModelRead> {
  return new Promise((resolve, reject) => {
    const finder = choice.findModel()
    const chunks: Buffer[] = []
    let held = 0
    let settled = false

    const finish = () => {
      settled = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
      HELD.give(held)
    }
    const settle = (search: ModelSearch, ended: boolean) => {
      finish()
      const model = search.kind === 'found' ? search.model : undefined
      resolve({ chosen: choice.chooseModel(model), prefix: Buffer.concat(chunks), ended })
    }
    const fail = (error: unknown) => {
      if (settled) return
      req.pause()
      finish()
      reject(error)
    }
    function onData(chunk: Buffer) {
      if (held + chunk.length > choice.maxBytes) return fail(bodyTooLarge(choice.maxBytes))
      if (!HELD.take(chunk.length)) return fail(modelLookupBusy())
      held += chunk.length
      chunks.push(chunk)
      const search = finder.push(chunk)
      if (search.kind === 'more') return
      req.pause()
      settle(search, false)
    }
    function onEnd() {
      settle(finder.end(), true)
    }
    function onError(error: unknown) {
      fail(new OxyError('request_body_incomplete', 'The request body could not be read.', { cause: error }))
    }
    function onClose() {
      fail(new OxyError('request_body_incomplete', 'The client went away before sending its body.'))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.once('close', onClose)
  })
}
