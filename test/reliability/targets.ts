import path from 'node:path'
import { inject } from 'vitest'
import { bootScript, nodeStartScript, useUnzippedArtifact } from '../boot-artifact'
import { denoBinary } from '../deno-binary'
import type { BuiltWorker } from '../read-built-worker'
import { readBuiltWorker } from '../read-built-worker'
import { spawnListener } from '../spawn-listener'
import { startWorkerd } from '../start-workerd'
import { childPids } from './proc-stats'
import { SECRET_ENV } from './secrets'

/** The targets that are HTTP servers, and so meet raw sockets: everything but Lambda. */
export const HTTP_TARGETS = ['node', 'scf', 'fc', 'workerd', 'deno'] as const
export type HttpTargetName = (typeof HTTP_TARGETS)[number]

export interface HttpTarget {
  readonly name: HttpTargetName
  /** Base URL, no trailing slash. */
  readonly url: string
  readonly port: number
  /** The process serving requests, for /proc measurements. */
  readonly pid: number
  /** The JSON lines the target has logged so far. */
  logs(): string[]
  /** Every response (headers and body) the tests saw, for the secrets check. */
  readonly transcript: string[]
  close(): Promise<void>
}

export type StartTarget = (name: HttpTargetName, env?: Record<string, string>) => Promise<HttpTarget>

/**
 * Boots the HTTP-server targets the way users run them, from the zips the globalSetup built:
 * node-server.zip's oxy.cjs, scf_bootstrap, FC's /code/main, worker.js on workerd and deno.zip's
 * main.js under `deno serve`. Every
 * one runs behind access tokens with a server-held key (SECRET_ENV), logging JSON. Call at the
 * top of a test file: it registers the hooks that unzip and clean up.
 */
export function useHttpTargets(): StartTarget {
  const nodeZip = useUnzippedArtifact('node-server.zip')
  const scfZip = useUnzippedArtifact('tencent-scf.zip')
  const fcZip = useUnzippedArtifact('aliyun-fc.zip')
  const denoZip = useUnzippedArtifact('deno.zip')
  let worker: Promise<BuiltWorker> | undefined

  return async (name, env = {}) => {
    const full = { ...SECRET_ENV, OXY_LOG: 'json', ...env }
    const listen = { OXY_HOST: '127.0.0.1', OXY_PORT: '0' }
    if (name === 'workerd') {
      worker ??= readBuiltWorker(inject('artifactsDir'))
      const { script, compatibilityDate, compatibilityFlags } = await worker
      const before = new Set(await childPids(process.pid, 'workerd'))
      const lines: string[] = []
      const running = await startWorkerd({
        script,
        compatibilityDate,
        compatibilityFlags,
        bindings: full,
        onOutput: (line) => lines.push(line),
      })
      const pid = (await childPids(process.pid, 'workerd')).find((candidate) => !before.has(candidate))
      if (pid === undefined) throw new Error('cannot find the workerd process miniflare started')
      return toTarget(name, running.url, pid, () => lines, running.close)
    }
    if (name === 'deno') {
      const served = await spawnListener(
        denoBinary(),
        ['serve', '--allow-net', '--allow-env', '--host', '127.0.0.1', '--port', '0', 'main.js'],
        {
          cwd: denoZip().dir,
          env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', ...full },
        },
      )
      const pid = served.child.pid
      if (pid === undefined) throw new Error('deno has no pid')
      return toTarget(name, served.url, pid, () => [...served.lines], served.close)
    }
    const script =
      name === 'node'
        ? await nodeStartScript(nodeZip().dir)
        : path.join(name === 'scf' ? scfZip().dir : fcZip().dir, name === 'scf' ? 'scf_bootstrap' : 'main')
    const booted = await bootScript(script, {
      ...listen,
      ...(name === 'fc' ? { FC_CUSTOM_LISTEN_PORT: '0' } : {}),
      ...full,
    })
    const pid = booted.child.pid
    if (pid === undefined) throw new Error(`${name} has no pid`)
    return toTarget(name, booted.url, pid, () => booted.output().split('\n'), booted.close)
  }
}

function toTarget(
  name: HttpTargetName,
  url: string,
  pid: number,
  lines: () => string[],
  close: () => Promise<void>,
): HttpTarget {
  return {
    name,
    url,
    port: Number(new URL(url).port),
    pid,
    logs: () => lines().filter((line) => line.startsWith('{')),
    transcript: [],
    close,
  }
}
