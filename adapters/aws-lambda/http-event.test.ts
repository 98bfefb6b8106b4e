import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { ALB_EVENT, CHAT_BODY, FUNCTION_URL_EVENT, HTTP_API_EVENT, REST_API_EVENT } from './fixtures'
import type { WrittenResponse } from './http-event'
import { readHttpEvent, toHttpResult } from './http-event'

/** The request's headers by lower-cased name, every value kept in order. */
function headersOf(rawHeaders: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase()
    out[name] = [...(out[name] ?? []), rawHeaders[i + 1]!]
  }
  return out
}

const COOKIES = ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']
const ANSWER: WrittenResponse = {
  status: 200,
  rawHeaders: [
    'Content-Type',
    'application/json',
    'Set-Cookie',
    COOKIES[0]!,
    'X-Custom',
    'one',
    'Set-Cookie',
    COOKIES[1]!,
  ],
  body: Buffer.from('{"ok":true}'),
}

describe('readHttpEvent', () => {
  it('should read a REST API event: method, path, every header value, the base64 body decoded', () => {
    const request = readHttpEvent(REST_API_EVENT)
    expect(request.method).toBe('POST')
    expect(request.target).toBe('/v1/chat/completions')
    expect(request.body.toString()).toBe(CHAT_BODY)
    const headers = headersOf(request.rawHeaders)
    expect(headers.authorization).toEqual(['Bearer sk-proj-EXAMPLEEXAMPLEEXAMPLE'])
    expect(headers['content-length']).toEqual([String(Buffer.byteLength(CHAT_BODY))])
  })

  it('should encode the query parameters API Gateway decoded, every value of a repeated one', () => {
    const event: APIGatewayProxyEvent = {
      ...REST_API_EVENT,
      queryStringParameters: { 'api-version': '2024-10-21', q: 'c&d' },
      multiValueQueryStringParameters: { 'api-version': ['2024-10-21'], q: ['a b', 'c&d'] },
    }
    expect(readHttpEvent(event).target).toBe('/v1/chat/completions?api-version=2024-10-21&q=a%20b&q=c%26d')
    // Payload 1.0 without the multi-value form: one value per name.
    const single = { ...event, multiValueQueryStringParameters: null }
    expect(readHttpEvent(single).target).toBe('/v1/chat/completions?api-version=2024-10-21&q=c%26d')
  })

  it("should pass an ALB's query on as the client sent it, not encoded twice", () => {
    const event: ALBEvent = {
      ...ALB_EVENT,
      multiValueQueryStringParameters: { 'api-version': ['2024-10-21'], q: ['a%20b', 'c%26d'] },
    }
    expect(readHttpEvent(event).target).toBe('/v1/chat/completions?api-version=2024-10-21&q=a%20b&q=c%26d')
  })

  it('should remove a named HTTP API stage and keep the raw query', () => {
    const request = readHttpEvent({ ...HTTP_API_EVENT, rawQueryString: 'a=1&b=%20' })
    expect(request.target).toBe('/v1/chat/completions?a=1&b=%20')
  })

  it('should escape a ? or # in a path delivered decoded, so that it cannot start a query', () => {
    const event: APIGatewayProxyEventV2 = {
      ...FUNCTION_URL_EVENT,
      rawPath: '/v1/models?x=1#y',
      rawQueryString: 'a=1',
    }
    expect(readHttpEvent(event).target).toBe('/v1/models%3Fx=1%23y?a=1')
  })

  it('should leave out header values that are not strings, as a hand-written test event may hold', () => {
    const event = {
      ...FUNCTION_URL_EVENT,
      headers: { accept: 'application/json', 'x-null': null, 'x-number': 7 },
    }
    const headers = headersOf(readHttpEvent(event as unknown as APIGatewayProxyEventV2).rawHeaders)
    expect(Object.keys(headers)).toEqual(['accept', 'content-length'])
  })

  it('should give payload 2.0 cookies back to the request as one Cookie header', () => {
    const request = readHttpEvent({ ...FUNCTION_URL_EVENT, cookies: ['x=1', 'y=2'] })
    expect(headersOf(request.rawHeaders).cookie).toEqual(['x=1; y=2'])
  })

  it('should frame the body by its real length, whatever length or chunking the event declares', () => {
    const event: APIGatewayProxyEventV2 = {
      ...FUNCTION_URL_EVENT,
      headers: { ...FUNCTION_URL_EVENT.headers, 'content-length': '5', 'transfer-encoding': 'chunked' },
    }
    const headers = headersOf(readHttpEvent(event).rawHeaders)
    expect(headers['content-length']).toEqual([String(Buffer.byteLength(CHAT_BODY))])
    expect(headers['transfer-encoding']).toBeUndefined()
    // No body, no length: the engine decides what a bodiless request says.
    const bodiless = readHttpEvent({ ...event, body: undefined })
    expect(headersOf(bodiless.rawHeaders)['content-length']).toBeUndefined()
    expect(bodiless.body.length).toBe(0)
  })
})

describe('toHttpResult', () => {
  it('should give payload 2.0 its cookies apart and one value per header name', () => {
    expect(toHttpResult(FUNCTION_URL_EVENT, ANSWER)).toEqual({
      statusCode: 200,
      isBase64Encoded: false,
      body: '{"ok":true}',
      headers: { 'content-type': 'application/json', 'x-custom': 'one' },
      cookies: COOKIES,
    })
  })

  it('should keep every Set-Cookie in multiValueHeaders for REST APIs and multi-value ALBs', () => {
    for (const event of [REST_API_EVENT, ALB_EVENT]) {
      const result = toHttpResult(event, ANSWER)
      expect(result).toMatchObject({ multiValueHeaders: { 'set-cookie': COOKIES, 'x-custom': ['one'] } })
      expect('headers' in result).toBe(false)
    }
  })

  it('should give an ALB without multi-value headers one value per name, the first cookie', () => {
    const { multiValueHeaders: _multi, ...single } = ALB_EVENT
    const result = toHttpResult({ ...single, headers: { host: 'alb' } }, ANSWER)
    expect(result.headers).toEqual({
      'content-type': 'application/json',
      'x-custom': 'one',
      'set-cookie': COOKIES[0],
    })
  })

  it('should send a binary body base64, byte-exact', () => {
    const audio = Buffer.from([0xff, 0xfb, 0x90, 0x00, 0x80, 0x7f, 0x0d, 0x0a])
    const result = toHttpResult(FUNCTION_URL_EVENT, {
      status: 200,
      rawHeaders: ['Content-Type', 'audio/mpeg'],
      body: audio,
    })
    expect(result.isBase64Encoded).toBe(true)
    expect(Buffer.from(result.body!, 'base64').equals(audio)).toBe(true)
  })
})
