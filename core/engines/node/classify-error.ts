import { classifyUpstreamError, OxyError } from '../../policy'
import { ProxyTunnelError } from './upstream-routes'

/** The policy's classification, plus the node engine's own outbound-proxy failure. */
export function classifyNodeUpstreamError(error: unknown): OxyError {
  if (error instanceof ProxyTunnelError)
    return new OxyError('upstream_unreachable', error.message, { cause: error })
  return classifyUpstreamError(error)
}
