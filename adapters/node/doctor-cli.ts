import { runDoctor } from './doctor'
import { DOCTOR_USAGE, parseDoctorArgs, UsageError } from './doctor-args'

/** `oxy doctor <url> ...`: resolves to the process exit code (2 for a usage error). */
export async function runDoctorCli(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${DOCTOR_USAGE}\n`)
    return 0
  }
  try {
    return await runDoctor(parseDoctorArgs(argv), (text) => process.stdout.write(text))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`oxy doctor: ${error.message}\n\n${DOCTOR_USAGE}\n`)
    return 2
  }
}
