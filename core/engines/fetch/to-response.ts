import type { Ending } from '../../exchange'
import type { HeaderPair, LocalReply } from '../../policy'

/** Statuses whose responses carry no body (Response() throws if given one). */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304])

/** A reply the proxy made, as a Response; adapters answer their own errors with it too. */
export function toResponse(reply: LocalReply): Response {
  return new Response(NULL_BODY_STATUSES.has(reply.status) ? null : reply.body, {
    status: reply.status,
    headers: toHeadersInit(reply.headers),
  })
}

/** A failed exchange as the client sees it: its error reply, or a cut (a network error). */
export function toEndingResponse(ending: Ending): Response {
  return ending.kind === 'reply' ? toResponse(ending.reply) : Response.error()
}

export function toHeadersInit(pairs: readonly HeaderPair[]): [string, string][] {
  return pairs.map(([name, value]) => [name, value])
}
