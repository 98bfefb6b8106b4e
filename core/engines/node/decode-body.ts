import { createRequire } from 'node:module'
import type zlib from 'node:zlib'

/** A decoded body larger than this is not read for usage: an error or usage body is far smaller. */
const MAX_DECODED_BYTES = 8 * 1024 * 1024

/**
 * Decodes a whole compressed body, for reading (usage, an error code) only: the node engine
 * passes the compressed bytes on to the client unchanged. Undefined for an encoding zlib does
 * not speak or bytes that do not decode.
 */
export function decodeBody(bytes: Uint8Array, encoding: string): Uint8Array | undefined {
  const options = { maxOutputLength: MAX_DECODED_BYTES }
  try {
    const zlib = loadZlib()
    if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.gunzipSync(bytes, options)
    if (encoding === 'deflate') return zlib.inflateSync(bytes, options)
    if (encoding === 'br') return zlib.brotliDecompressSync(bytes, options)
  } catch {}
  return undefined
}

let loaded: typeof zlib | undefined

/**
 * node:zlib, required on the first compressed body read rather than imported at the top: loading
 * it is ~1 % of a bare server's start-up instructions and ~2 % of a bare Lambda handler's
 * (callgrind), which a start and most exchanges never need. Only builtins are required through
 * it, so the base path does not matter.
 */
function loadZlib(): typeof zlib {
  loaded ??= createRequire('/')('node:zlib') as typeof zlib
  return loaded
}
