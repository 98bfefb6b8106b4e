import { describe, expect, it } from 'vitest'
import { OxyError } from './errors'
import { parseRequestTarget, stripStagePrefix } from './request-target'

describe('parseRequestTarget', () => {
  it('should split path and query and keep both exactly as they came', () => {
    expect(parseRequestTarget('/v1/files?purpose=fine-tune&after=file%2Dabc')).toEqual({
      path: '/v1/files',
      query: 'purpose=fine-tune&after=file%2Dabc',
    })
    expect(parseRequestTarget('/v1beta/models/gemini-pro:generateContent')).toEqual({
      path: '/v1beta/models/gemini-pro:generateContent',
      query: '',
    })
  })

  it('should keep @ and encoded characters other than separators in the path', () => {
    expect(parseRequestTarget('/v1/models/ft:gpt-4o:org@x:abc%20def').path).toBe(
      '/v1/models/ft:gpt-4o:org@x:abc%20def',
    )
  })

  it.each([
    ['http://evil.example/v1/models', 'invalid_request_target'],
    ['https://evil.example', 'invalid_request_target'],
    ['evil.example:443', 'invalid_request_target'],
    ['*', 'invalid_request_target'],
    ['', 'invalid_request_target'],
    ['/v1/models\r\nHost: evil.example', 'invalid_request_target'],
    ['/v1/mo dels', 'invalid_request_target'],
    ['/v1/modèls', 'invalid_request_target'],
    ['//evil.example/v1/models', 'invalid_path'],
    ['/\\evil.example/v1/models', 'invalid_path'],
    ['/v1/..%2f..%2fadmin', 'invalid_path'],
    ['/v1/%2F%2Fevil.example', 'invalid_path'],
    ['/v1/%5cevil', 'invalid_path'],
    ['/v1/models%00.json', 'invalid_path'],
    ['/v1/models%0d%0aHost:%20evil.example', 'invalid_path'],
    ['/v1/../admin', 'invalid_path'],
    ['/v1/./models', 'invalid_path'],
    ['/v1/%2e%2e/admin', 'invalid_path'],
    ['/v1/.%2E/admin', 'invalid_path'],
    ['/..', 'invalid_path'],
  ])('should refuse %j with %s', (target, code) => {
    let caught: unknown
    try {
      parseRequestTarget(target)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(OxyError)
    expect((caught as OxyError).code).toBe(code)
    expect((caught as OxyError).status).toBe(400)
  })

  it('should not treat dots inside a segment as a dot segment', () => {
    expect(parseRequestTarget('/v1/files/file-abc.jsonl/content').path).toBe(
      '/v1/files/file-abc.jsonl/content',
    )
    expect(parseRequestTarget('/v1/...').path).toBe('/v1/...')
  })
})

describe('stripStagePrefix', () => {
  const stages = ['release', 'test', 'prepub']

  it('should remove a leading API gateway stage and keep the rest', () => {
    expect(stripStagePrefix('/release/v1/chat/completions', stages)).toBe('/v1/chat/completions')
    expect(stripStagePrefix('/test/_oxy/health', stages)).toBe('/_oxy/health')
    expect(stripStagePrefix('/prepub', stages)).toBe('/')
  })

  it('should leave paths without a stage, or with a stage further in, alone', () => {
    expect(stripStagePrefix('/v1/models', stages)).toBe('/v1/models')
    expect(stripStagePrefix('/v1/release/x', stages)).toBe('/v1/release/x')
    expect(stripStagePrefix('/releases/v1', stages)).toBe('/releases/v1')
    expect(stripStagePrefix('/release/v1', [])).toBe('/release/v1')
  })

  it('should keep the query of a whole request-target', () => {
    expect(stripStagePrefix('/prod/v1/models?a=1', ['prod'])).toBe('/v1/models?a=1')
    expect(stripStagePrefix('/prod?a=1', ['prod'])).toBe('/?a=1')
    expect(stripStagePrefix('/products?a=1', ['prod'])).toBe('/products?a=1')
  })
})
