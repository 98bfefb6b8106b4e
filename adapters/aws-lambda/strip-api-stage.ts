/** What of an event says which stage it came through. */
export interface StageEvent {
  readonly version?: string
  readonly requestContext?: { readonly stage?: string }
}

/**
 * An HTTP API (payload 2.0) on a named stage puts the stage in rawPath (`/prod/v1/models`), where
 * REST APIs, function URLs and `$default` stages do not:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * Removing it lets clients use the stage URL as their base URL.
 */
export function stagesInPath(event: StageEvent): string[] {
  const stage = event.requestContext?.stage
  return event.version === '2.0' && stage && stage !== '$default' ? [stage] : []
}
