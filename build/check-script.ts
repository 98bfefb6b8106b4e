/**
 * The rules the platforms enforce on a start script, checked at build time so a script edited on
 * Windows fails here and not in the cloud console. Tencent SCF: "#!/bin/bash" on the first line and
 * LF endings (https://cloud.tencent.com/document/product/583/56126); Aliyun FC runs the same kind
 * of script as /code/bootstrap.
 */
export const SHEBANG = '#!/bin/bash\n'

export function checkShellScript(name: string, text: string): void {
  if (text.includes('\r')) {
    throw new Error(
      `${name} contains CR characters; the platform needs LF line endings. ` +
        `Fix: sed -i 's/\\r$//' ${name} (or save it with LF in your editor), and set git's core.autocrlf to false.`,
    )
  }
  if (!text.startsWith(SHEBANG)) {
    throw new Error(
      `${name} must start with ${JSON.stringify(SHEBANG.trim())}. Fix: make that its first line; the platform runs it directly.`,
    )
  }
}
