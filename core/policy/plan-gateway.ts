import type { ProxyConfig } from './config'
import { OxyError } from './errors'
import { MAX_REPLAY_BODY_BYTES } from './failover-pool'
import { poolFor } from './gateway-attempt'
import type { HeaderList } from './header-list'
import { getHeader } from './header-list'
import { ruleFor } from './key-rules'
import { checkModelRule, readWholeBodyModel } from './model-reader'
import type { ForwardPlan, LocalReply } from './plan-request'
import { errorReply, MAX_MODEL_LOOKUP_BODY_BYTES } from './plan-request'

/**
 * What the gateway adds to a forward plan: a model rule checked before anything is sent, and a
 * body kept for replay when another key or target could take the request. A 403 reply when the
 * key may not use the model its path names. The plan comes back as it was when neither applies.
 */
export function withGateway(
  plan: ForwardPlan,
  config: ProxyConfig,
  requestHeaders: HeaderList,
): ForwardPlan | LocalReply {
  const { keyName, model: pathModel, contentType } = plan
  let next = plan
  const rule = ruleFor(config.keyRules, keyName)
  if (rule?.models) {
    if (pathModel !== undefined) {
      const refused = checkModelRule(rule, keyName, pathModel)
      if (refused) return errorReply(refused, plan.corsHeaders, plan.logPath)
    } else if (hasBody(requestHeaders)) {
      // The model sits in the body: read it whole (bounded) before anything goes upstream.
      const maxBytes = Math.min(
        config.maxBodyBytes ?? MAX_MODEL_LOOKUP_BODY_BYTES,
        MAX_MODEL_LOOKUP_BODY_BYTES,
      )
      next = withBodyCheck(next, maxBytes, (body) => {
        const reader = readWholeBodyModel(body, contentType)
        const refused =
          reader.ambiguous || reader.notAnObject
            ? unreadableModel()
            : checkModelRule(rule, keyName, reader.model)
        return refused ? errorReply(refused, plan.corsHeaders, plan.logPath) : undefined
      })
    }
  }
  if (!plan.route || !poolFor(plan.route).canFail) return next
  const length = declaredLength(requestHeaders)
  // An Azure choice would stop reading at the model: for a replay the body is read whole instead.
  const readsWhole = next.choosePathByBody !== undefined && next.choosePathByBody.findModel === undefined
  // Kept for a second attempt only when small; a larger body streams once, never held.
  if (!readsWhole && length !== undefined && length > 0 && length <= MAX_REPLAY_BODY_BYTES) {
    // Read for nothing but a replay when no rule reads it: an engine may then keep it as it streams.
    const replayOnly = next.choosePathByBody === undefined
    next = withBodyCheck(next, MAX_REPLAY_BODY_BYTES, () => undefined, replayOnly)
  }
  return next
}

/** Reads the body before sending; `check` may refuse it, else the earlier choice (Azure) decides. */
function withBodyCheck(
  plan: ForwardPlan,
  maxBytes: number,
  check: (body: Uint8Array) => LocalReply | undefined,
  replayOnly = false,
): ForwardPlan {
  const earlier = plan.choosePathByBody
  return {
    ...plan,
    choosePathByBody: {
      maxBytes: earlier ? Math.min(earlier.maxBytes, maxBytes) : maxBytes,
      choose: (body) => check(body) ?? (earlier ? earlier.choose(body) : plan.upstreamPath),
      ...(replayOnly && { replayOnly }),
    },
  }
}

function declaredLength(headers: HeaderList): number | undefined {
  const value = (getHeader(headers, 'content-length') ?? '').trim()
  return /^\d+$/.test(value) ? Number(value) : undefined
}

function hasBody(headers: HeaderList): boolean {
  return (declaredLength(headers) ?? 0) > 0 || getHeader(headers, 'transfer-encoding') !== undefined
}

/**
 * A body whose model cannot be told for sure would pass a model rule with a model the check did
 * not read: named twice (JSON.parse, Python and Go keep the last), or not a JSON object at all.
 */
function unreadableModel(): OxyError {
  return new OxyError(
    'invalid_request',
    'This access key may only use some models, so the request body must be one JSON object (or a multipart form) that names its `model` once.',
  )
}
