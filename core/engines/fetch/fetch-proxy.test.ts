import { describeConformance } from '../../../test/conformance'
import { describeOwnerControls } from '../../../test/owner-controls'
import { PLATFORM_HEADERS } from '../../../test/platform-headers'
import { serveFetch } from '../../../test/serve-fetch'
import { parseConfig } from '../../policy'
import { createFetchProxy } from './fetch-proxy'

describeConformance(
  'fetch engine on Node',
  async (env) => {
    const proxy = createFetchProxy(parseConfig({ OXY_LOG: 'off', ...env }))
    return serveFetch((request) => proxy.fetch(request))
  },
  { decodesBody: true, platformHeaders: PLATFORM_HEADERS.aws },
)

describeOwnerControls('fetch engine on Node', async (env) => {
  const proxy = createFetchProxy(parseConfig({ OXY_LOG: 'off', ...env }))
  return serveFetch((request) => proxy.fetch(request))
})
