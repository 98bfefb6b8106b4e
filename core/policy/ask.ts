import { OxyError } from './errors'

/**
 * The most of an upstream's answer GET /_oxy/ask reads: a one-question chat completion is a few
 * KB; an answer that never ends would otherwise grow the process until it dies.
 */
export const MAX_ASK_ANSWER_BYTES = 1024 * 1024

export function askAnswerTooLarge(): OxyError {
  return new OxyError(
    'upstream_bad_response',
    `The upstream's answer is larger than the ${MAX_ASK_ANSWER_BYTES} bytes /_oxy/ask reads.`,
  )
}

/** The client left before the answer came: the call is ended, nobody would read it. */
export function askClientGone(): OxyError {
  return new OxyError('upstream_reset', 'The client went away before the answer came.')
}

/** The one question GET /_oxy/ask sends, as a chat completion body. */
export function askBody(model: string, question: string): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: question }] })
}

/** The answer's text from a chat completion, or undefined when the body is not one. */
export function readAnswer(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { choices?: { message?: { content?: unknown } }[] }
    const content = parsed.choices?.[0]?.message?.content
    return typeof content === 'string' ? content : undefined
  } catch {
    return undefined
  }
}
