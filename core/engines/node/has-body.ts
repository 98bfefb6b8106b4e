import type { ServedRequest } from './served'

/** Whether a request carries a body at all (RFC 9112 section 6.3): chunked, or a length above 0. */
export function hasBody(req: ServedRequest): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0)
}

/** A body without a length: the upstream gets it chunked again, whatever framing it came in. */
export function isChunked(req: ServedRequest): boolean {
  return req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] === undefined
}
