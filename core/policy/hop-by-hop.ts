import type { HeaderList } from './header-list'
import { isHeaderName } from './header-list'

/**
 * Connection-specific headers a proxy must not forward (RFC 9110 section 7.6.1,
 * https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1), plus the non-standard
 * Keep-Alive and Proxy-Connection that old clients still send.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/**
 * Lower-case names that the Connection headers of this message declare hop-by-hop; undefined when
 * it has none (most messages: no set is made for them).
 */
export function connectionNominated(pairs: HeaderList): ReadonlySet<string> | undefined {
  let named: Set<string> | undefined
  for (const [name, value] of pairs) {
    if (!isHeaderName(name, 'connection')) continue
    named ??= new Set<string>()
    for (const token of value.split(',')) {
      const trimmed = token.trim().toLowerCase()
      if (trimmed) named.add(trimmed)
    }
  }
  return named
}
