import type { HeaderList } from '../../policy'
import { OxyError } from '../../policy'
import { INVALID_VALUE_CHAR, TOKEN } from './field-syntax'

/** A request-target is visible bytes only: no space, no control, nothing above latin1. */
const INVALID_TARGET_CHAR = /[^\x21-\x7e\x80-\xff]/

/**
 * The request line and header block, to be written as latin1 so every header byte goes out as
 * it came in. Headers reach here from clients and from Lambda events that no HTTP parser has
 * checked, so a CR or LF anywhere would split the request upstream: refuse it instead.
 */
export function formatRequestHead(method: string, target: string, headers: HeaderList): string {
  if (!TOKEN.test(method)) throw invalidHeader()
  if (target === '' || INVALID_TARGET_CHAR.test(target)) throw invalidHeader()
  let head = `${method} ${target} HTTP/1.1\r\n`
  for (const [name, value] of headers) {
    if (!TOKEN.test(name) || INVALID_VALUE_CHAR.test(value)) throw invalidHeader()
    head += `${name}: ${value}\r\n`
  }
  return `${head}\r\n`
}

function invalidHeader(): OxyError {
  return new OxyError('invalid_request_target', 'The request has an invalid header.')
}
