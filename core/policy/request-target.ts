import { OxyError } from './errors'

export interface RequestTarget {
  /** The path as it came, e.g. `/v1/chat/completions`. */
  readonly path: string
  /** The query without its `?`, as it came; '' for none. */
  readonly query: string
}

/** Visible US-ASCII only: no spaces, controls (CR, LF, NUL) or raw non-ASCII bytes. */
const VISIBLE_ASCII = /^[\x21-\x7e]*$/
/**
 * Encoded `/` and `\`, which upstreams and the frameworks in front of them decode differently,
 * and encoded control bytes (NUL, CR, LF, ...), which no API path needs.
 */
const ENCODED_SEPARATOR = /%(2f|5c|[01][0-9a-f]|7f)/i
/** `.` and `..` segments, also percent-encoded, which an upstream would resolve against the base path. */
const DOT_SEGMENT = /^(\.|%2e){1,2}$/i

/**
 * Parses an HTTP request-target into path and query. Only origin-form (`/path?query`) is
 * accepted: the upstream host comes from configuration, never from anything a client sends, and
 * paths that an upstream could resolve outside the configured base path are refused.
 */
export function parseRequestTarget(target: string): RequestTarget {
  if (!target.startsWith('/')) {
    throw new OxyError(
      'invalid_request_target',
      'The request target must be a path such as /v1/models; absolute and authority forms are not accepted.',
    )
  }
  if (!VISIBLE_ASCII.test(target)) {
    throw new OxyError(
      'invalid_request_target',
      'The request target contains spaces, control or non-ASCII bytes.',
    )
  }
  const queryAt = target.indexOf('?')
  const path = queryAt === -1 ? target : target.slice(0, queryAt)
  const query = queryAt === -1 ? '' : target.slice(queryAt + 1)
  if (path.startsWith('//')) throw doubleSlash()
  if (path.includes('\\') || ENCODED_SEPARATOR.test(path)) {
    throw new OxyError(
      'invalid_path',
      'The path must not contain a backslash, an encoded / or \\, or an encoded control byte.',
    )
  }
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    throw new OxyError('invalid_path', 'The path must not contain . or .. segments.')
  }
  return { path, query }
}

/**
 * Removes a leading API gateway stage segment (`/release/v1/models` -> `/v1/models`), so that
 * both the old gateway URL and the function URL work. Tencent's API Gateway put the stage
 * in front of every path and users had to strip it by hand; AWS HTTP APIs on a named stage do
 * the same. Takes a path or a whole request-target (`/prod?x=1` -> `/?x=1`).
 */
export function stripStagePrefix(target: string, stages: readonly string[]): string {
  if (stages.length === 0) return target
  const end = target.slice(1).search(/[/?]/) + 1
  const first = end === 0 ? target.slice(1) : target.slice(1, end)
  if (!stages.includes(first)) return target
  if (end === 0) return '/'
  return target[end] === '?' ? `/${target.slice(end)}` : target.slice(end)
}

/**
 * A path starting with `//` reads as an authority to URL parsers and some upstreams
 * (`//evil.example/x`); it is refused at the door, and again once a stage or route prefix is
 * removed, since `/release//host/x` becomes one.
 */
export function doubleSlash(): OxyError {
  return new OxyError(
    'invalid_path',
    'The path must not start with //; check the base URL for a trailing slash.',
  )
}
