import { readFile } from 'node:fs/promises'
import path from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootScript, useUnzippedArtifact } from '../../test/boot-artifact'
import { describeConformance } from '../../test/conformance'
import type { FakeOpenAI } from '../../test/fake-openai'
import { MODELS, startFakeOpenAI } from '../../test/fake-openai'
import { PLATFORM_HEADERS } from '../../test/platform-headers'

const artifact = useUnzippedArtifact('tencent-scf.zip')

/** SCF listens on 9000; tests take any free loopback port instead. */
const TEST_LISTEN = { OXY_HOST: '127.0.0.1', OXY_PORT: '0' }

describe('tencent-scf.zip', () => {
  it('should hold scf_bootstrap (0755), the bundle and its limits and status-page chunks at the root, and nothing else', () => {
    expect(artifact().entries.map(({ name, mode }) => [name, mode.toString(8)])).toEqual([
      ['scf_bootstrap', '755'],
      ['oxy.cjs', '644'],
      ['oxy-limits.cjs', '644'],
      ['oxy-page.cjs', '644'],
    ])
  })

  it('should make scf_bootstrap a bash script with LF endings only', async () => {
    const script = await readFile(path.join(artifact().dir, 'scf_bootstrap'), 'utf8')
    expect(script.startsWith('#!/bin/bash\n')).toBe(true)
    expect(script).not.toContain('\r')
  })

  describe('scf_bootstrap without OXY_NODE_BIN', () => {
    let upstream: FakeOpenAI
    beforeAll(async () => {
      upstream = await startFakeOpenAI()
    })
    afterAll(() => upstream.close())

    it('should fall back to node on PATH when no /var/lang/node* exists', async () => {
      const script = path.join(artifact().dir, 'scf_bootstrap')
      const booted = await bootScript(script, {
        ...TEST_LISTEN,
        OXY_TARGET: upstream.url,
        OXY_NODE_BIN: '',
        PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      })
      try {
        const client = new OpenAI({ baseURL: `${booted.url}/v1`, apiKey: 'sk-test-key', maxRetries: 0 })
        expect((await client.models.list()).data).toHaveLength(MODELS.data.length)
      } finally {
        await booted.close()
      }
    })
  })
})

describeConformance(
  'tencent-scf.zip started by scf_bootstrap, function URL',
  (env) => bootScript(path.join(artifact().dir, 'scf_bootstrap'), { ...TEST_LISTEN, ...env }),
  { platformHeaders: PLATFORM_HEADERS.tencentScf },
)

describeConformance(
  'tencent-scf.zip started by scf_bootstrap, old API gateway URL with /release',
  async (env) => {
    const booted = await bootScript(path.join(artifact().dir, 'scf_bootstrap'), { ...TEST_LISTEN, ...env })
    return { url: `${booted.url}/release`, close: booted.close }
  },
  { platformHeaders: PLATFORM_HEADERS.tencentScf },
)
