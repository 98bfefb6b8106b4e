import type { Exchange, Stop } from '../../exchange'
import type { LocalReply, UpstreamCall } from '../../policy'
import { askAnswerTooLarge, MAX_ASK_ANSWER_BYTES } from '../../policy'
import { UpstreamExchange } from './upstream-exchange'
import type { UpstreamRoutes } from './upstream-routes'

/**
 * Makes the request an UpstreamCall describes, reads its (small) answer whole and hands `done`
 * the reply: the plan's, or the exchange's error reply. The deadline covers the whole answer.
 */
export function callUpstream(
  routes: UpstreamRoutes,
  plan: UpstreamCall,
  exchange: Exchange,
  done: (reply: LocalReply) => void,
): void {
  const route = routes.routeFor(plan.upstream)
  const body = Buffer.from(plan.body)
  const chunks: Buffer[] = []
  let size = 0
  let status = 502
  let upstream: UpstreamExchange | undefined
  const stop = (ending: Stop) => {
    upstream?.abort()
    if (ending.kind === 'reply') done(ending.reply)
  }
  exchange.attempt({ stop })
  try {
    upstream = new UpstreamExchange(
      route.pool,
      {
        method: 'POST',
        target: route.requestTarget(plan.upstreamPath),
        headers: [...plan.headers, ['Content-Length', String(body.length)], ...route.extraHeaders],
      },
      {
        onResponse(head) {
          status = head.status
          exchange.upstreamResponded()
        },
        // Capped: an answer that never ends would otherwise grow the process until it dies.
        onData(chunk) {
          size += chunk.length
          if (size > MAX_ASK_ANSWER_BYTES) stop(exchange.failed(askAnswerTooLarge()))
          else chunks.push(chunk)
        },
        onEnd: () => done(exchange.reply(plan.toReply(status, Buffer.concat(chunks).toString()))),
        onError: (error) => stop(exchange.failed(error)),
      },
    )
  } catch (error) {
    stop(exchange.failed(error))
    return
  }
  upstream.end(body)
}
