import type { IncomingMessage } from 'node:http'

/** What serverless-http's request hook sees of the event. */
export interface StageEvent {
  readonly version?: string
  readonly requestContext?: { readonly stage?: string }
}

/**
 * An HTTP API (payload 2.0) on a named stage puts the stage in rawPath (`/prod/v1/models`), where
 * REST APIs and `$default` stages do not:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * Removing it lets clients use the stage URL as their base URL.
 */
export function stripApiStage(req: IncomingMessage, event: StageEvent): void {
  const stage = event.requestContext?.stage
  if (event.version !== '2.0' || !stage || stage === '$default' || req.url === undefined) return
  const prefix = `/${stage}`
  if (req.url === prefix || req.url.startsWith(`${prefix}/`) || req.url.startsWith(`${prefix}?`)) {
    const rest = req.url.slice(prefix.length)
    req.url = rest.startsWith('/') ? rest : `/${rest}`
  }
}
