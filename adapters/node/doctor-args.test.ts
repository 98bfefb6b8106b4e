import { describe, expect, it } from 'vitest'
import { DEFAULT_DOCTOR_MODEL, parseDoctorArgs, UsageError } from './doctor-args'

describe('parseDoctorArgs', () => {
  it('should read the URL and every option, in both --name value and --name=value forms', () => {
    expect(
      parseDoctorArgs([
        'https://x.example/v1',
        '--key',
        'sk-1',
        '--token=t',
        '--model',
        'gpt-4o',
        '--timeout=5000',
      ]),
    ).toEqual({
      url: 'https://x.example/v1',
      key: 'sk-1',
      token: 't',
      model: 'gpt-4o',
      timeoutMs: 5000,
    })
    expect(parseDoctorArgs(['http://h']).model).toBe(DEFAULT_DOCTOR_MODEL)
  })

  it('should refuse what it cannot use, with a message that says why', () => {
    expect(() => parseDoctorArgs([])).toThrow(UsageError)
    expect(() => parseDoctorArgs(['a', 'b'])).toThrow('exactly one URL')
    expect(() => parseDoctorArgs(['x.example.com'])).toThrow('is not a URL')
    expect(() => parseDoctorArgs(['ftp://x'])).toThrow('not an http(s) URL')
    expect(() => parseDoctorArgs(['http://x', '--key'])).toThrow('--key needs a value')
    expect(() => parseDoctorArgs(['http://x', '--kee', 'v'])).toThrow('unknown option --kee')
    expect(() => parseDoctorArgs(['http://x', '--timeout', 'soon'])).toThrow('--timeout needs milliseconds')
  })
})
