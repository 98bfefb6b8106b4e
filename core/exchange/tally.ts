import type { AccessLogEntry, DecodeBody, ForwardPlan, HeaderList, UsageScanner } from '../policy'
import { createUsageScanner, getHeader, ModelReader } from '../policy'

type TallyFields = Pick<AccessLogEntry, 'key' | 'model' | 'promptTokens' | 'completionTokens'>
type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * What the access log says about who asked for what and what it cost: the access key's name, the
 * model (read from the request body as it passes), and the tokens the upstream reported (read
 * from the response as it passes). Looks at bytes, never changes or keeps them beyond the
 * scanners' small bounded state.
 */
export class Tally {
  #key: string | undefined
  #model: string | undefined
  #reader: ModelReader | undefined
  #scanner: UsageScanner | undefined

  /** The plan says who is asking, and where the model is. */
  forwarding(plan: Pick<ForwardPlan, 'keyName' | 'model' | 'contentType'>): void {
    this.#key = plan.keyName
    this.#model = plan.model
    if (plan.model === undefined) this.#reader = new ModelReader(plan.contentType)
  }

  requestChunk(chunk: Uint8Array): void {
    const reader = this.#reader
    if (!reader || reader.done) return
    reader.push(chunk)
    if (reader.done) this.#model = reader.model
  }

  /** The response head that goes to the client; `decode` is set where bytes pass still compressed. */
  responseHead(headers: HeaderList, decode?: DecodeBody): void {
    this.#scanner = createUsageScanner(
      getHeader(headers, 'content-type'),
      decode ? getHeader(headers, 'content-encoding') : undefined,
      decode,
    )
  }

  responseChunk(chunk: Uint8Array): void {
    this.#scanner?.push(chunk)
  }

  /** Adds who asked, the model and the tokens to the log entry, once the exchange is over. */
  addTo(entry: Mutable<TallyFields>): void {
    const model = this.#model ?? this.#reader?.model
    const usage = this.#scanner?.finish()
    this.#scanner = undefined
    if (this.#key !== undefined) entry.key = this.#key
    if (model !== undefined) entry.model = model
    if (usage?.promptTokens !== undefined) entry.promptTokens = usage.promptTokens
    if (usage?.completionTokens !== undefined) entry.completionTokens = usage.completionTokens
  }
}
