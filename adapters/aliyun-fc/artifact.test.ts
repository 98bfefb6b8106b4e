import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { bootScript, findFreePort, useUnzippedArtifact } from '../../test/boot-artifact'
import { describeConformance, REFUSED_TARGET } from '../../test/conformance'
import { PLATFORM_HEADERS } from '../../test/platform-headers'

const artifact = useUnzippedArtifact('aliyun-fc.zip')

/** FC passes the function's port as FC_CUSTOM_LISTEN_PORT; tests pass a free loopback port. */
async function bootWithFcPort(script: string, env: Record<string, string>) {
  const port = await findFreePort()
  const booted = await bootScript(path.join(artifact().dir, script), {
    OXY_HOST: '127.0.0.1',
    FC_CUSTOM_LISTEN_PORT: String(port),
    ...env,
  })
  return { booted, port }
}

describe('aliyun-fc.zip', () => {
  it('should hold main and bootstrap (0755), the bundle and its limits and status-page chunks at the root, and nothing else', () => {
    expect(artifact().entries.map(({ name, mode }) => [name, mode.toString(8)])).toEqual([
      ['main', '755'],
      ['bootstrap', '755'],
      ['oxy.cjs', '644'],
      ['oxy-limits.cjs', '644'],
      ['oxy-page.cjs', '644'],
    ])
  })

  it('should make main and bootstrap bash scripts with LF endings only', async () => {
    for (const script of ['main', 'bootstrap']) {
      const text = await readFile(path.join(artifact().dir, script), 'utf8')
      expect(text.startsWith('#!/bin/bash\n'), script).toBe(true)
      expect(text, script).not.toContain('\r')
    }
  })

  it('should listen on FC_CUSTOM_LISTEN_PORT even when OXY_PORT is set', async () => {
    const { booted, port } = await bootWithFcPort('main', { OXY_PORT: '0', OXY_TARGET: REFUSED_TARGET })
    try {
      expect(new URL(booted.url).port).toBe(String(port))
    } finally {
      await booted.close()
    }
  })
})

for (const script of ['main', 'bootstrap']) {
  describeConformance(
    `aliyun-fc.zip started by /code/${script}`,
    async (env) => (await bootWithFcPort(script, env)).booted,
    { platformHeaders: PLATFORM_HEADERS.aliyunFc },
  )
}
