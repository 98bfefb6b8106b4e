import { runServer } from '../../core/server'
import { toFcServerInput } from './defaults'

// Started by /code/main or /code/bootstrap on an Aliyun FC custom runtime.
Promise.resolve()
  .then(() => {
    const { env, defaults } = toFcServerInput(process.env)
    return runServer(env, defaults)
  })
  .catch((error: unknown) => {
    process.stderr.write(`oxy: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
