import type { Exchange } from '../../exchange'
import { bodyIncomplete, collectBody } from '../../exchange'
import { OxyError } from '../../policy'

/** Reads a whole request body, or the error for one over `maxBytes` or cut short. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array | OxyError> {
  if (!request.body) return new Uint8Array()
  const collector = collectBody(maxBytes)
  const reader = request.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return collector.bytes()
      const error = collector.add(value)
      if (error) {
        await reader.cancel()
        return error
      }
    }
  } catch (caught) {
    return caught instanceof OxyError ? caught : bodyIncomplete(caught)
  }
}

/** Counts request bytes on their way upstream; the exchange stops a body that grows past the limit. */
export function countBytes(body: ReadableStream<Uint8Array>, exchange: Exchange): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const error = exchange.requestBytes(chunk.byteLength, chunk)
        if (error) controller.error(error)
        else controller.enqueue(chunk)
      },
    }),
  )
}
