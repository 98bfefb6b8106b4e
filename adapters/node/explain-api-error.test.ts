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

  it('should fall back on the status for a 401 without a known code', () => {
    expect(explainApiError(401, '{}').fix).toContain('refused the key')
  })
})
