import { OxyError } from './errors'
import type { AzureMode } from './routes'

/**
 * OpenAI operations that Azure serves per deployment, chosen by the `model` in the request:
 * https://learn.microsoft.com/azure/ai-services/openai/reference
 */
const DEPLOYMENT_OPERATIONS: ReadonlySet<string> = new Set([
  '/chat/completions',
  '/completions',
  '/embeddings',
  '/audio/transcriptions',
  '/audio/translations',
  '/audio/speech',
  '/images/generations',
  '/images/edits',
])

export type AzurePath =
  | { readonly kind: 'passthrough'; readonly path: string }
  | { readonly kind: 'deployment'; readonly operation: string }
  | { readonly kind: 'models' }

/** How an OpenAI-style path maps onto an Azure resource. */
export function classifyAzurePath(path: string): AzurePath {
  if (!path.startsWith('/v1/')) return { kind: 'passthrough', path }
  const operation = path.slice(3)
  if (operation === '/models') return { kind: 'models' }
  if (DEPLOYMENT_OPERATIONS.has(operation)) return { kind: 'deployment', operation }
  return { kind: 'passthrough', path: `/openai${operation}` }
}

/** `/openai/deployments/<deployment>/<operation>?api-version=...`, or unknown_model. */
export function azureDeploymentPath(
  azure: AzureMode,
  model: string | undefined,
  operation: string,
  query: string,
) {
  const deployment = model === undefined ? undefined : azure.deployments.get(model)
  if (deployment === undefined) {
    throw new OxyError(
      'unknown_model',
      model === undefined
        ? 'The request names no model, so no Azure deployment can be chosen.'
        : `The model \`${model}\` has no Azure deployment here (OXY_AZURE_DEPLOYMENTS).`,
    )
  }
  return withApiVersion(`/openai/deployments/${deployment}${operation}`, query, azure.apiVersion)
}

export function withApiVersion(path: string, query: string, apiVersion: string): string {
  if (/(^|&)api-version=/.test(query)) return `${path}?${query}`
  return `${path}?${query ? `${query}&` : ''}api-version=${apiVersion}`
}

/** The models an Azure route offers, in the shape of GET /v1/models. */
export function azureModelList(azure: AzureMode): unknown {
  return {
    object: 'list',
    data: [...azure.deployments.keys()].map((id) => ({ id, object: 'model', created: 0, owned_by: 'azure' })),
  }
}
