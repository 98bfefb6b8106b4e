import { describe, expect, it } from 'vitest'
import { FUNCTION_URL_EVENT, HTTP_API_EVENT } from './fixtures'
import { toFetchRequest } from './to-fetch-request'

describe('toFetchRequest', () => {
  it('should carry method, path, query, headers, cookies and body of a function URL event', async () => {
    const request = toFetchRequest({
      ...FUNCTION_URL_EVENT,
      rawQueryString: 'a=1&b=%20',
      cookies: ['x=1', 'y=2'],
    })
    expect(request.method).toBe('POST')
    const url = new URL(request.url)
    expect(url.pathname + url.search).toBe('/v1/chat/completions?a=1&b=%20')
    expect(request.headers.get('authorization')).toBe('Bearer sk-proj-EXAMPLEEXAMPLEEXAMPLE')
    expect(request.headers.get('cookie')).toBe('x=1; y=2')
    expect(await request.text()).toBe(FUNCTION_URL_EVENT.body)
  })

  it('should decode a base64 body to its exact bytes', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0x80, 0x7f])
    const request = toFetchRequest({
      ...FUNCTION_URL_EVENT,
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    })
    expect(Buffer.from(await request.arrayBuffer()).equals(bytes)).toBe(true)
  })

  it('should remove a named HTTP API stage from the path', () => {
    expect(new URL(toFetchRequest(HTTP_API_EVENT).url).pathname).toBe('/v1/chat/completions')
  })
})
