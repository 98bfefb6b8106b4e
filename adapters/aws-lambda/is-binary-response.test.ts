import { describe, expect, it } from 'vitest'
import { isBinaryResponse } from './is-binary-response'

describe('isBinaryResponse', () => {
  it('should send encoded bodies base64 whatever their type', () => {
    expect(isBinaryResponse({ 'content-type': 'application/json', 'content-encoding': 'gzip' })).toBe(true)
    expect(isBinaryResponse({ 'content-type': 'text/plain', 'content-encoding': 'br' })).toBe(true)
    expect(isBinaryResponse({ 'content-type': 'application/json', 'content-encoding': 'identity' })).toBe(
      false,
    )
  })

  it('should send non-text types base64', () => {
    for (const type of [
      'audio/mpeg',
      'audio/wav',
      'application/octet-stream',
      'image/png',
      'application/pdf',
    ]) {
      expect(isBinaryResponse({ 'content-type': type }), type).toBe(true)
    }
  })

  it('should keep text, JSON, XML and event streams as text', () => {
    for (const type of [
      'application/json; charset=utf-8',
      'text/event-stream',
      'text/plain',
      'application/problem+json',
      'application/x-ndjson',
      'application/xml',
    ]) {
      expect(isBinaryResponse({ 'content-type': type }), type).toBe(false)
    }
    expect(isBinaryResponse({})).toBe(false)
  })
})
