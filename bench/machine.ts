import { readFileSync } from 'node:fs'
import os from 'node:os'

export interface Machine {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGb: number
  readonly node: string
  readonly kernel: string
  readonly loadAverage: readonly number[]
  readonly date: string
}

/** Recorded with every result: the numbers mean little without the machine they came from. */
export function describeMachine(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    kernel: readKernel(),
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
    date: new Date().toISOString(),
  }
}

function readKernel(): string {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()
  } catch {
    return os.release()
  }
}
