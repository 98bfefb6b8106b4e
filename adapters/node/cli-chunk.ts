/**
 * `oxy doctor` and `oxy usage`, in one module that node-server.zip carries as a file of its own
 * (oxy-cli.cjs, build/targets.ts): `node oxy.cjs` as a server never reads it. Parsing the two
 * commands and loading what they import (node:readline, fs streams) was ~5 % of a server's
 * start-up instructions (callgrind, docs/benchmarks.md).
 */
export { runDoctorCli } from './doctor-cli'
export { runUsageCli } from './usage-cli'
