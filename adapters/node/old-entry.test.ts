import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootScript, nodeStartScript, useUnzippedArtifact } from '../../test/boot-artifact'
import type { FakeOpenAI } from '../../test/fake-openai'
import { startFakeOpenAI } from '../../test/fake-openai'

// Until 2026-12 node-server.zip's bundle was oxy.mjs, and systemd units, pm2 files and scripts
// say `node oxy.mjs`. An upgrade that unpacks the new zip over the old folder must not break them.
describe('node oxy.mjs, the self-hosted bundle’s name until 2026-12', () => {
  const artifact = useUnzippedArtifact('node-server.zip')
  let upstream: FakeOpenAI
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(async () => {
    await upstream.close()
  })

  it('should still start the proxy, and pass the command line on to its commands', async () => {
    const { dir } = artifact()
    const proxy = await bootScript(await nodeStartScript(dir, 'oxy.mjs'), {
      OXY_HOST: '127.0.0.1',
      OXY_PORT: '0',
      OXY_TARGET: upstream.url,
    })
    try {
      const client = new OpenAI({ apiKey: 'sk-test-key', baseURL: `${proxy.url}/v1`, maxRetries: 0 })
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello' }],
      })
      expect(completion.choices[0]?.message.content).toBeTruthy()
    } finally {
      await proxy.close()
    }
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(dir, 'oxy.mjs'), 'doctor', '--help'],
      {
        env: { PATH: process.env.PATH },
        timeout: 15_000,
      },
    )
    expect(stdout).toContain('usage: oxy doctor')
  })

  it('should carry no second copy of the proxy: the old name only loads oxy.cjs', async () => {
    const { dir } = artifact()
    expect((await stat(path.join(dir, 'oxy.mjs'))).size).toBeLessThan(1024)
  })
})
