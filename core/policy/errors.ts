import { redactUrlSecrets } from './redact-url'

/**
 * Every error oxy makes itself. Clients always receive OpenAI's error shape so that SDKs
 * surface the message instead of a parse failure:
 * https://platform.openai.com/docs/guides/error-codes
 */

export const ERROR_TYPE = 'oxy_error'

export type OxyErrorCode =
  | 'invalid_config'
  | 'invalid_request'
  | 'request_headers_too_large'
  | 'invalid_request_target'
  | 'invalid_path'
  | 'not_found'
  | 'invalid_access_key'
  | 'model_not_allowed'
  | 'unknown_model'
  | 'body_too_large'
  | 'request_body_incomplete'
  | 'upstream_unreachable'
  | 'upstream_connect_timeout'
  | 'upstream_tls_error'
  | 'upstream_reset'
  | 'upstream_bad_response'
  | 'upstream_redirect'
  | 'upstream_timeout'
  | 'upstream_idle_timeout'
  | 'rate_limit_exceeded'
  | 'token_budget_exhausted'
  | 'limits_store_unavailable'
  /** Not sent to anyone: the access log's word for a client that left before the response ended. */
  | 'client_closed'

const STATUS_BY_CODE: Readonly<Record<OxyErrorCode, number>> = {
  invalid_config: 500,
  invalid_request: 400,
  request_headers_too_large: 431,
  invalid_request_target: 400,
  invalid_path: 400,
  not_found: 404,
  invalid_access_key: 401,
  model_not_allowed: 403,
  unknown_model: 404,
  body_too_large: 413,
  request_body_incomplete: 400,
  upstream_unreachable: 502,
  upstream_connect_timeout: 502,
  upstream_tls_error: 502,
  upstream_reset: 502,
  upstream_bad_response: 502,
  upstream_redirect: 502,
  upstream_timeout: 504,
  upstream_idle_timeout: 504,
  rate_limit_exceeded: 429,
  token_budget_exhausted: 429,
  limits_store_unavailable: 503,
  // nginx's code for the same event; it only ever appears in a log line.
  client_closed: 499,
}

export class OxyError extends Error {
  readonly code: OxyErrorCode
  readonly status: number

  constructor(code: OxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'OxyError'
    this.code = code
    this.status = STATUS_BY_CODE[code]
  }
}

export class ConfigError extends OxyError {
  readonly variable: string

  /**
   * Names the variable and its value; a secret's value is described, never printed, and a
   * URL's userinfo, query values and fragment are hidden (they may hold a password or a key).
   */
  constructor(variable: string, value: string, expected: string, options: { secret?: boolean } = {}) {
    const shown = options.secret
      ? `(a secret of ${value.length} characters)`
      : `=${JSON.stringify(redactUrlSecrets(value))}`
    super('invalid_config', `${variable}${options.secret ? ` ${shown}` : shown} is invalid: ${expected}`)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

export interface ErrorBody {
  error: { message: string; type: string; code: string }
}

export function toErrorBody(error: OxyError): ErrorBody {
  return { error: { message: error.message, type: ERROR_TYPE, code: error.code } }
}

export function isOxyError(value: unknown): value is OxyError {
  return value instanceof OxyError
}
