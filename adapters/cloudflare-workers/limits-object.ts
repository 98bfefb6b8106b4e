import type { Counter, CounterAdd } from '../../core'
import { CounterTable } from '../../core/limits/counter-table'

/**
 * The Durable Object that holds limit counters when the Worker has an OXY_LIMITS binding
 * (wrangler.toml declares it). One object per access-key name; an object handles one request
 * at a time, so each take/add is atomic across every isolate and location.
 * https://developers.cloudflare.com/durable-objects/
 * Counters are kept in memory and written to the object's storage after each change, so an
 * evicted or restarted object keeps its daily budget. Only live counters are written.
 */

/** What the fetch-based protocol carries; the binding is reachable only from this Worker. */
export type LimitsObjectCall =
  | { readonly op: 'take'; readonly counters: readonly Counter[] }
  | { readonly op: 'add'; readonly adds: readonly CounterAdd[] }

type Snapshot = ReturnType<CounterTable['snapshot']>

/** The parts of DurableObjectState this class uses (no @cloudflare/workers-types needed). */
interface ObjectState {
  readonly storage: {
    get<T>(key: string): Promise<T | undefined>
    put(key: string, value: unknown): Promise<void>
  }
  blockConcurrencyWhile<T>(run: () => Promise<T>): Promise<T>
}

const STORAGE_KEY = 'counters'

export class OxyLimits {
  private readonly table = new CounterTable()

  constructor(private readonly state: ObjectState) {
    state.blockConcurrencyWhile(async () => {
      this.table.restore((await state.storage.get<Snapshot>(STORAGE_KEY)) ?? [])
    })
  }

  async fetch(request: Request): Promise<Response> {
    const call = (await request.json()) as LimitsObjectCall
    if (call.op === 'take') {
      const result = this.table.take(call.counters)
      if (result.admitted && call.counters.some((counter) => counter.cost > 0)) await this.save()
      return Response.json(result)
    }
    if (call.op === 'add') {
      this.table.add(call.adds)
      await this.save()
      return new Response(null, { status: 204 })
    }
    return new Response('unknown op', { status: 400 })
  }

  private save(): Promise<void> {
    return this.state.storage.put(STORAGE_KEY, this.table.snapshot())
  }
}
