import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import v8 from 'node:v8'
import { capYoungGenerationWhenBusy, setCapFlag } from './cap-young-generation'

// Run by cap-young-generation.test.ts in its own process (V8 flags are per process): becomes
// busy when CAP=on, then allocates like a loaded proxy and prints the young generation's size.
const server = http.createServer().listen(0, '127.0.0.1')
await once(server, 'listening')
// Waits for the cap itself (a dynamic import, slow on a loaded machine), not for a guessed moment:
// allocating before the flag is set would grow the young generation in the capped run too.
let applied: () => void = () => {}
const capped = new Promise<void>((resolve) => {
  applied = resolve
})
if (process.env.CAP === 'on') capYoungGenerationWhenBusy(server, () => setCapFlag().then(applied), 2)
let accepted = 0
const busy = new Promise((resolve) => server.on('connection', () => ++accepted === 2 && resolve(undefined)))
const { port } = server.address() as net.AddressInfo
const sockets = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')]
await busy
if (process.env.CAP === 'on') await capped
const youngNow = () =>
  (v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0) /
  1024 /
  1024
// Where start-up (tsx's loader, slower on a loaded machine) left it, when the cap took effect.
const beforeMb = youngNow()
const live: object[] = []
for (let i = 0; i < 2_000_000; i++) {
  live.push({ i, text: `chunk ${i}`, list: [i] })
  if (live.length > 20_000) live.splice(0, 10_000)
}
process.stdout.write(`${JSON.stringify({ beforeMb, youngMb: youngNow() })}\n`)
for (const socket of sockets) socket.destroy()
server.close()
