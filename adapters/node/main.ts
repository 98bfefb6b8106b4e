import { runServer } from '../../core/server'
import { isClusterWorker, parseWorkers, runPrimary } from './cluster'

// The self-hosted server: `npm start`, or `node oxy.cjs` from the node-server bundle.
// With OXY_WORKERS set, this process becomes the cluster primary and its workers run the server.
// `doctor <url>` checks a deployed endpoint instead, from the same one-file bundle; `usage` sums
// the tokens in access-log lines. Both commands are imported only when asked for: the build puts
// them in oxy-cli.cjs beside oxy.cjs, so a server start never parses them.
Promise.resolve()
  .then(async () => {
    if (process.argv[2] === 'doctor') {
      const { runDoctorCli } = await import('./cli-chunk')
      process.exitCode = await runDoctorCli(process.argv.slice(3))
      return
    }
    if (process.argv[2] === 'usage') {
      const { runUsageCli } = await import('./cli-chunk')
      const write = (text: string) => process.stdout.write(text)
      const writeError = (text: string) => process.stderr.write(text)
      process.exitCode = await runUsageCli(process.argv.slice(3), { stdin: process.stdin, write, writeError })
      return
    }
    const workers = isClusterWorker() ? undefined : await parseWorkers(process.env)
    if (workers === undefined) await runServer(process.env)
    else await runPrimary(process.env, workers)
  })
  .catch((error: unknown) => {
    process.stderr.write(`oxy: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
