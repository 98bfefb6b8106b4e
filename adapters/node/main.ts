import { runServer } from '../../core/server'
import { isClusterWorker, parseWorkers, runPrimary } from './cluster'
import { runDoctorCli } from './doctor-cli'

// The self-hosted server: `npm start`, or `node oxy.mjs` from the node-server bundle.
// With OXY_WORKERS set, this process becomes the cluster primary and its workers run the server.
// `doctor <url>` checks a deployed endpoint instead, from the same one-file bundle.
Promise.resolve()
  .then(async () => {
    if (process.argv[2] === 'doctor') {
      process.exitCode = await runDoctorCli(process.argv.slice(3))
      return
    }
    const workers = isClusterWorker() ? undefined : parseWorkers(process.env)
    if (workers === undefined) await runServer(process.env)
    else await runPrimary(process.env, workers)
  })
  .catch((error: unknown) => {
    process.stderr.write(`oxy: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
