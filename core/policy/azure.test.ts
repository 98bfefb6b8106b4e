import { describe, expect, it } from 'vitest'
import { azureDeploymentPath, classifyAzurePath } from './azure'
import { OxyError } from './errors'
import { readWholeBodyModel } from './model-reader'

const azure = { deployments: new Map([['gpt-4o', 'my-4o']]), apiVersion: '2024-10-21' }
const bytes = (text: string) => new TextEncoder().encode(text)

describe('classifyAzurePath', () => {
  it('should send model operations to a deployment, other /v1 paths under /openai, and others as they are', () => {
    expect(classifyAzurePath('/v1/chat/completions')).toEqual({
      kind: 'deployment',
      operation: '/chat/completions',
    })
    expect(classifyAzurePath('/v1/models')).toEqual({ kind: 'models' })
    expect(classifyAzurePath('/v1/files')).toEqual({ kind: 'passthrough', path: '/openai/files' })
    expect(classifyAzurePath('/openai/v1/responses')).toEqual({
      kind: 'passthrough',
      path: '/openai/v1/responses',
    })
  })
})

describe('azureDeploymentPath', () => {
  it('should keep the query and add the API version once', () => {
    expect(azureDeploymentPath(azure, 'gpt-4o', '/chat/completions', 'x=1')).toBe(
      '/openai/deployments/my-4o/chat/completions?x=1&api-version=2024-10-21',
    )
    expect(azureDeploymentPath(azure, 'gpt-4o', '/embeddings', 'api-version=preview')).toBe(
      '/openai/deployments/my-4o/embeddings?api-version=preview',
    )
  })

  it('should refuse a model with no deployment', () => {
    expect(() => azureDeploymentPath(azure, 'gpt-5', '/chat/completions', '')).toThrow(OxyError)
  })
})

describe('readWholeBodyModel, as Azure mode chooses a deployment', () => {
  it('should read the model of a JSON body', () => {
    expect(readWholeBodyModel(bytes('{"messages":[],"model":"gpt-4o"}'), 'application/json').model).toBe(
      'gpt-4o',
    )
    expect(readWholeBodyModel(bytes('not json'), 'application/json').model).toBeUndefined()
  })

  it('should read the model field of a multipart body', () => {
    const body =
      '--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\nContent-Type: audio/mpeg\r\n\r\nxxxx\r\n' +
      '--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b--\r\n'
    expect(readWholeBodyModel(bytes(body), 'multipart/form-data; boundary=b').model).toBe('whisper-1')
  })
})
