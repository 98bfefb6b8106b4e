import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { describeConformance } from '../../test/conformance'
import { describeOwnerControls } from '../../test/owner-controls'
import { PLATFORM_HEADERS } from '../../test/platform-headers'
import { describeWebSocketPassthrough } from '../../test/websocket-passthrough'
import { parseConfig } from '../policy'
import { createLogger } from './logger'
import { startServer } from './start-server'

const {
  'x-fc-access-key-id': id,
  'x-fc-access-key-secret': secret,
  'x-fc-security-token': token,
} = PLATFORM_HEADERS.aliyunFc

describeConformance(
  'node engine, self-hosted server',
  async (env) => {
    const config = parseConfig({ OXY_HOST: '127.0.0.1', OXY_PORT: '0', OXY_LOG: 'off', ...env })
    const running = await startServer(config, createLogger('off'))
    return { url: running.url, close: () => running.close(1_000) }
  },
  {
    // Without a platform prefix configured, the self-hosted server still drops cloud credentials.
    platformHeaders: {
      ...PLATFORM_HEADERS.aws,
      'x-fc-access-key-id': id,
      'x-fc-access-key-secret': secret,
      'x-fc-security-token': token,
    },
  },
)

describeOwnerControls('node engine, self-hosted server', async (env) => {
  const config = parseConfig({ OXY_HOST: '127.0.0.1', OXY_PORT: '0', ...env })
  const running = await startServer(config, createLogger('off'))
  return { url: running.url, close: () => running.close(1_000) }
})

describeWebSocketPassthrough('node engine, self-hosted server', async (env) => {
  const config = parseConfig({ OXY_HOST: '127.0.0.1', OXY_PORT: '0', ...env })
  const running = await startServer(config, createLogger('off'))
  return { url: running.url, close: () => running.close(1_000) }
})

describe('startServer', () => {
  it('should fail with the listen error when the port is taken, not wait for ever', async () => {
    const taken = http.createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = taken.address() as AddressInfo
      const config = parseConfig({ OXY_HOST: '127.0.0.1', OXY_PORT: String(port), OXY_LOG: 'off' })
      await expect(startServer(config, createLogger('off'))).rejects.toThrow('EADDRINUSE')
    } finally {
      taken.close()
    }
  })

  it('should close once the last connection is gone', async () => {
    const config = parseConfig({
      OXY_HOST: '127.0.0.1',
      OXY_PORT: '0',
      OXY_TARGET: 'http://127.0.0.1:9',
      OXY_LOG: 'off',
    })
    const running = await startServer(config, createLogger('off'))
    await running.close(1_000)
    expect(running.server.listening).toBe(false)
  })
})
