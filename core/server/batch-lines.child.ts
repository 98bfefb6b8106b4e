import { batchLines } from './batch-lines'

// Run by batch-lines.test.ts in its own process: logs two lines, then leaves in the same turn
// of the event loop, the way argv[2] says, before any batch could be written by the loop.
const log = batchLines((text) => process.stdout.write(text))
log('{"msg":"first"}')
log('{"msg":"last"}')
if (process.argv[2] === 'exit') process.exit(0)
if (process.argv[2] === 'throw') throw new Error('crash after logging')
