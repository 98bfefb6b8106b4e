import type { LocalReply, OxyError } from '../policy'

/** How an exchange that failed ends for the client. */
export type Ending =
  /** Nothing reached the client yet: answer with this OpenAI-shaped error. */
  | { readonly kind: 'reply'; readonly error: OxyError; readonly reply: LocalReply }
  /** The response started: cut it abruptly, never end it cleanly (a truncated body must not look complete). */
  | { readonly kind: 'cut'; readonly error: OxyError }

/** What a carrier is told: end the client's side as a failure says, or (the client left) nothing more. */
export type Stop = Ending | { readonly kind: 'gone' }

/** The engine's side of one attempt: what the lifecycle's timers and limits call to stop it. */
export interface Carrier {
  /** Stop the upstream request, and end the client's side as `how` says. */
  stop(how: Stop): void
}
