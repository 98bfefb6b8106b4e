import { execFile } from 'node:child_process'
import { readFile, unlink } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootScript, nodeStartScript, useUnzippedArtifact } from '../../test/boot-artifact'
import type { FakeOpenAI } from '../../test/fake-openai'
import { startFakeOpenAI } from '../../test/fake-openai'

/** Only the two commands print these: where they appear tells which file carries the CLI. */
const CLI_MARKERS = ['usage: oxy doctor', 'usage: oxy usage']

describe('oxy-cli.cjs, the doctor and usage commands beside the node-server bundle', () => {
  const artifact = useUnzippedArtifact('node-server.zip')
  let upstream: FakeOpenAI
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(async () => {
    await upstream.close()
  })

  it('should ship the commands in oxy-cli.cjs only, so that a server start never parses them', async () => {
    const { dir } = artifact()
    const cli = await readFile(path.join(dir, 'oxy-cli.cjs'), 'utf8')
    const server = await readFile(path.join(dir, 'oxy.cjs'), 'utf8')
    for (const marker of CLI_MARKERS) {
      expect(cli).toContain(marker)
      expect(server).not.toContain(marker)
    }
    expect(server).toContain('./oxy-cli.cjs')
  })

  it('should proxy with oxy-cli.cjs gone, and name the file when a command needs it', async () => {
    const { dir } = artifact()
    await unlink(path.join(dir, 'oxy-cli.cjs'))
    const proxy = await bootScript(await nodeStartScript(dir), {
      OXY_HOST: '127.0.0.1',
      OXY_PORT: '0',
      OXY_TARGET: upstream.url,
    })
    try {
      const client = new OpenAI({ apiKey: 'sk-test-key', baseURL: `${proxy.url}/v1`, maxRetries: 0 })
      const models = await client.models.list()
      expect(models.data.length).toBeGreaterThan(0)
    } finally {
      await proxy.close()
    }
    const doctor = promisify(execFile)(process.execPath, [path.join(dir, 'oxy.cjs'), 'doctor', '--help'], {
      env: { PATH: process.env.PATH },
      timeout: 15_000,
    })
    await expect(doctor).rejects.toThrow('oxy-cli.cjs')
  })
})
