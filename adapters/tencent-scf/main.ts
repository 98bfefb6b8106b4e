import { runServer } from '../../core/server'
import { SCF_DEFAULTS } from './defaults'

// Started by scf_bootstrap on a Tencent SCF Web function.
runServer(process.env, SCF_DEFAULTS).catch((error: unknown) => {
  process.stderr.write(`oxy: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
