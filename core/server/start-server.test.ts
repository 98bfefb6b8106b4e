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
