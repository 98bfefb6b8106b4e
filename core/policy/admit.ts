import { identifyAccessKey } from './access-keys'
import type { ProxyConfig } from './config'
import { tokenHeaderName } from './credentials'
import { OxyError } from './errors'
import type { HeaderList } from './header-list'

/** The headers to forward (the access token removed) and the key's name, or the 401. */
export function admit(
  headers: HeaderList,
  config: ProxyConfig,
): { clientHeaders: HeaderList; keyName?: string } | OxyError {
  if (config.accessKeys.length === 0) return { clientHeaders: headers }
  const presented = identifyAccessKey(headers, config.namedAccessKeys)
  if (!presented) {
    return new OxyError(
      'invalid_access_key',
      'This proxy needs an access key: send one of its OXY_ACCESS_KEYS as Authorization: Bearer <key>, api-key or x-api-key.',
    )
  }
  // The upstream never sees a proxy token.
  return {
    clientHeaders: headers.filter(([name]) => {
      const token = tokenHeaderName(name)
      return token === undefined || !presented.headers.has(token)
    }),
    keyName: presented.key.name,
  }
}
