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
