import { describe, expect, it } from 'vitest'
import { toEndpointForms } from './doctor-base-url'

describe('toEndpointForms', () => {
  it('should try /release when the URL has no stage, and drop a pasted /v1', () => {
    expect(toEndpointForms('https://a.tencentscf.com/v1/')).toEqual({
      given: 'https://a.tencentscf.com',
      other: 'https://a.tencentscf.com/release',
    })
  })

  it('should try without the stage when the URL has one', () => {
    expect(toEndpointForms('https://service-x.gz.apigw.tencentcs.com/release/v1')).toEqual({
      given: 'https://service-x.gz.apigw.tencentcs.com/release',
      other: 'https://service-x.gz.apigw.tencentcs.com',
    })
    expect(toEndpointForms('https://h/base/prepub').other).toBe('https://h/base')
  })
})
