import { describe, expect, it } from 'vitest'
import { CLIENT_ADDRESS_SAMPLES } from '../../test/client-address-samples'
import { toUpstreamHeaders } from './request-headers'

const policy = { upstreamHost: 'api.openai.com', dropPrefixes: [] }

describe('toUpstreamHeaders', () => {
  it.each(Object.entries(CLIENT_ADDRESS_SAMPLES))(
    'should drop the client-address header %s',
    (name, value) => {
      for (const spelling of [name, name.toLowerCase(), name.toUpperCase(), name.replace(/-/g, '_')])
        expect(toUpstreamHeaders([[spelling, value]], policy)).toEqual([['Host', 'api.openai.com']])
    },
  )

  it('should keep the headers an API call needs, underscores or not', () => {
    const kept: [string, string][] = [
      ['Authorization', 'Bearer sk-x'],
      ['x-stainless-os', 'Linux'],
      ['x-ms-useragent', 'AzureOpenAI'],
      ['OpenAI-Organization', 'org-1'],
      ['x_custom_header', 'kept'],
    ]
    expect(toUpstreamHeaders(kept, policy)).toEqual([['Host', 'api.openai.com'], ...kept])
  })
})
