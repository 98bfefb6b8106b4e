import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { batchLines } from './batch-lines'

const TSX = createRequire(import.meta.url).resolve('tsx')
const CHILD = new URL('./batch-lines.child.ts', import.meta.url).pathname

describe('batchLines', () => {
  it('should write the lines of one turn together, in order, once that turn is over', async () => {
    const writes: string[] = []
    const log = batchLines((text) => writes.push(text))
    log('a')
    log('b')
    log('c')
    expect(writes).toEqual([])
    await nextTurn()
    expect(writes).toEqual(['a\nb\nc\n'])
    log('d')
    await nextTurn()
    expect(writes).toEqual(['a\nb\nc\n', 'd\n'])
  })

  it.each(['exit', 'throw'])(
    'should still write the waiting lines when the process leaves by %s',
    async (how) => {
      const child = spawn(process.execPath, ['--import', TSX, CHILD, how], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk
      })
      const code = await new Promise((resolve) => child.on('close', resolve))
      expect(code).toBe(how === 'exit' ? 0 : 1)
      expect(stdout).toBe('{"msg":"first"}\n{"msg":"last"}\n')
    },
  )
})
