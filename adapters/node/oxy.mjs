// oxy's self-hosted server was started as `node oxy.mjs` until 2026-12; it is oxy.cjs now, which
// starts sooner (no ES module loader: docs/benchmarks.md). This file keeps that command working
// for the units and scripts that still say it, through the ES module loader as before.
// Start `node oxy.cjs`.
import { createRequire } from 'node:module'

createRequire(import.meta.url)('./oxy.cjs')
