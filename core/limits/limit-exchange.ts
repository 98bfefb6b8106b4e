import type { AccessLogEntry, HeaderList, LocalReply } from '../policy'
import { toLimitReply } from '../policy'
import type { Limiter, Maybe } from './limiter'

/**
 * The two points where limits meet a request, for the engines: before anything goes upstream,
 * and when the access-log entry is written (which carries the key and the tokens the upstream
 * reported, counted as the response passed).
 */

/**
 * The 429 (or 503) to answer with instead of forwarding, or undefined to go on: at once when the
 * store is in this process's memory, else when it answers.
 */
export function admitOrReply(
  limiter: Limiter,
  keyName: string | undefined,
  corsHeaders: HeaderList,
  logPath: string,
): Maybe<LocalReply | undefined> {
  const admission = limiter.admit(keyName)
  if (!(admission instanceof Promise)) return admission && toLimitReply(admission, corsHeaders, logPath)
  return admission.then((refusal) => refusal && toLimitReply(refusal, corsHeaders, logPath))
}

/** Adds a finished exchange's tokens; the response is already on its way, nothing waits. */
export function recordUsage(
  limiter: Limiter,
  entry: Pick<AccessLogEntry, 'status'> & {
    readonly key?: string | undefined
    readonly promptTokens?: number | undefined
    readonly completionTokens?: number | undefined
  },
): void {
  const tokens = (entry.promptTokens ?? 0) + (entry.completionTokens ?? 0)
  if (tokens > 0) void limiter.record(entry.key, tokens)
}
