import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAll, CHECKSUMS_FILE } from './build-all'
import { formatTable } from './format-table'

// `npm run build [-- <outDir>]`: one ready-to-upload zip per platform in dist-zips/.
const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.resolve(process.argv[2] ?? path.join(rootDir, 'dist-zips'))

buildAll({ rootDir, outDir, env: process.env, onProgress: (line) => process.stdout.write(`${line}\n`) })
  .then((built) => {
    process.stdout.write(
      `\n${formatTable(built)}\n\nwrote ${built.length} zips and ${CHECKSUMS_FILE} to ${outDir}\n`,
    )
  })
  .catch((error: unknown) => {
    process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
