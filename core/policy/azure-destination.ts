import { azureDeploymentPath, classifyAzurePath, withApiVersion } from './azure'
import type { ProxyConfig } from './config'
import type { OxyError } from './errors'
import { isOxyError } from './errors'
import { createModelFinder } from './find-model'
import { readWholeBodyModel } from './model-reader'
import type { BodyChoice, LocalReply, ModelBodyChoice } from './plan-request'
import type { Route } from './routes'

/** Azure mode reads the body to find its model; larger bodies than this are refused. */
export const MAX_MODEL_LOOKUP_BODY_BYTES = 32 * 1024 * 1024

/** Where a forwarded request goes: a fixed path, or one chosen from its body (Azure). */
export interface Destination {
  readonly upstreamPath: string
  readonly choosePathByBody?: BodyChoice | undefined
}

/** Azure mode: a passthrough path, a deployment chosen by model, or `models` (answered here). */
export function azureDestination(
  route: Route,
  routedPath: string,
  query: string,
  contentType: string | undefined,
  config: ProxyConfig,
  fail: (error: OxyError) => LocalReply,
): Destination | 'models' {
  const azure = route.azure!
  const upstream = route.upstream
  const azurePath = classifyAzurePath(routedPath)
  if (azurePath.kind === 'models') return 'models'
  if (azurePath.kind === 'passthrough') {
    return { upstreamPath: upstream.basePath + withApiVersion(azurePath.path, query, azure.apiVersion) }
  }
  const maxBytes = Math.min(config.maxBodyBytes ?? MAX_MODEL_LOOKUP_BODY_BYTES, MAX_MODEL_LOOKUP_BODY_BYTES)
  const toPath = (model: string | undefined) =>
    upstream.basePath + azureDeploymentPath(azure, model, azurePath.operation, query)
  return { upstreamPath: '', choosePathByBody: bodyChoice(maxBytes, contentType, toPath, fail) }
}

/** Azure mode's choice of deployment by the body's model; an unknown model is refused. */
function bodyChoice(
  maxBytes: number,
  contentType: string | undefined,
  toPath: (model: string | undefined) => string,
  fail: (error: OxyError) => LocalReply,
): ModelBodyChoice {
  const chooseModel = (model: string | undefined) => {
    try {
      return toPath(model)
    } catch (error) {
      if (!isOxyError(error)) throw error
      return fail(error)
    }
  }
  return {
    maxBytes,
    choose: (body) => chooseModel(readWholeBodyModel(body, contentType).model),
    findModel: () => createModelFinder(contentType),
    chooseModel,
  }
}
