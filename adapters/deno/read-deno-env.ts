import type { Env } from '../../core'

/** The slice of the Deno namespace oxy uses; the bundle is built without Deno's types. */
interface DenoEnv {
  readonly env: { toObject(): Record<string, string> }
}

/**
 * The process environment through Deno.env, which Deno Deploy fills from the app's environment
 * variables. Without --allow-env, Deno refuses to read it: say how to fix that, once, and run on
 * the defaults rather than fail every request.
 * https://docs.deno.com/runtime/fundamentals/security/#environment-variables
 */
export function readDenoEnv(write: (line: string) => void): Env {
  const deno = (globalThis as { Deno?: DenoEnv }).Deno
  if (!deno) return {}
  try {
    return deno.env.toObject()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'warn',
        msg: `cannot read OXY_* variables (${reason}): run with --allow-env; using the defaults`,
      }),
    )
    return {}
  }
}
