import { classifyUpstreamError, OxyError } from '../../policy'

/**
 * Reads the first chunk of a body that is not an event stream before its head goes to the
 * client, so that a body broken at once (a malformed first chunk) still gets a 502 instead of a
 * 200 that ends empty: workerd ends an errored body cleanly. An event stream's head goes out at
 * once, as clients expect, and is never read ahead.
 */
export async function readFirstChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
  idleTimeoutMs: number,
): Promise<ReadableStreamReadResult<Uint8Array> | OxyError> {
  const timer =
    idleTimeoutMs > 0
      ? setTimeout(() => {
          reader
            .cancel(
              new OxyError(
                'upstream_idle_timeout',
                `The upstream stalled for ${idleTimeoutMs} ms (OXY_IDLE_TIMEOUT_MS).`,
              ),
            )
            .catch(() => {})
        }, idleTimeoutMs)
      : undefined
  try {
    return await reader.read()
  } catch (caught) {
    if (signal.aborted) return classifyUpstreamError(signal.reason)
    return new OxyError('upstream_bad_response', 'The upstream sent a response whose body broke at once.', {
      cause: caught,
    })
  } finally {
    clearTimeout(timer)
  }
}
