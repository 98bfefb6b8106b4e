import type { AccessLogEntry, DecodeBody, ForwardPlan, HeaderList, UsageScanner } from '../policy'
import { createUsageScanner, getHeader, ModelReader } from '../policy'

type TallyFields = Pick<AccessLogEntry, 'key' | 'model' | 'promptTokens' | 'completionTokens'>

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

  /** The fields for the log line, once the exchange is over. */
  fields(): TallyFields {
    const model = this.#model ?? this.#reader?.model
    const usage = this.#scanner?.finish()
    this.#scanner = undefined
    return {
      ...(this.#key === undefined ? {} : { key: this.#key }),
      ...(model === undefined ? {} : { model }),
      ...(usage?.promptTokens === undefined ? {} : { promptTokens: usage.promptTokens }),
      ...(usage?.completionTokens === undefined ? {} : { completionTokens: usage.completionTokens }),
    }
  }
}
