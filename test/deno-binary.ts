import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)

/**
 * The deno executable the `deno` dev dependency installed: its postinstall copies it beside the
 * package, and the platform package (@deno/linux-x64-glibc, ...) holds it either way. Run
 * directly, not through the package's node wrapper, so that stopping it stops Deno itself.
 */
export function denoBinary(): string {
  const exe = process.platform === 'win32' ? 'deno.exe' : 'deno'
  const beside = path.join(path.dirname(require.resolve('deno/package.json')), exe)
  if (existsSync(beside)) return beside
  const libc = process.platform === 'linux' ? '-glibc' : ''
  const platform = `@deno/${process.platform}-${process.arch}${libc}`
  return path.join(path.dirname(require.resolve(`${platform}/package.json`)), exe)
}
