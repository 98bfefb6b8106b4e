import { runServer } from './run'

// The self-hosted server: `npm start`, or `node oxy.mjs` from the node-server bundle.
runServer(process.env).catch((error: unknown) => {
  process.stderr.write(`oxy: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
