import { describe, expect, it } from 'vitest'
import { explainApiError } from './explain-api-error'

const openAiError = (code: string, message: string) =>
  JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } })

describe('explainApiError', () => {
  it("should name OpenAI's region, key and quota errors and say what to do", () => {
    const region = explainApiError(
      403,
      openAiError('unsupported_country_region_territory', 'Country not supported'),
    )
    expect(region.detail).toBe('HTTP 403 unsupported_country_region_territory: Country not supported')
    expect(region.fix).toContain('Redeploy it in a region OpenAI serves')
    expect(explainApiError(401, openAiError('invalid_api_key', 'Incorrect')).fix).toContain('typos')
    expect(explainApiError(429, openAiError('insufficient_quota', 'quota')).fix).toContain('add credit')
  })

  it('should show a gateway page that is not JSON as short text', () => {
    const page = explainApiError(502, '<html>\n<body>Bad   Gateway</body></html>')
    expect(page.detail).toBe('HTTP 502: <html> <body>Bad Gateway</body></html>')
    expect(page.fix).toBeUndefined()
  })

  it("should name Vercel's timeout and body-size pages and say what to change", () => {
    const timeout = explainApiError(
      504,
      'An error occurred with your deployment\n\nFUNCTION_INVOCATION_TIMEOUT\n\niad1::abcde-1733000000000',
    )
    expect(timeout.detail).toMatch(/^HTTP 504 FUNCTION_INVOCATION_TIMEOUT: An error occurred/)
    expect(timeout.fix).toContain('maxDuration')
    expect(explainApiError(413, 'Request Entity Too Large\n\nFUNCTION_PAYLOAD_TOO_LARGE').fix).toContain(
      '4.5 MB',
    )
  })

  it('should fall back on the status for a 401 without a known code', () => {
    expect(explainApiError(401, '{}').fix).toContain('refused the key')
  })
})
