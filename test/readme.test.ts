import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8')

const PLATFORM_GUIDES = [
  'tencent-scf',
  'aliyun-fc',
  'aws-lambda',
  'cloudflare-workers',
  'deno',
  'vercel',
  'netlify',
]

/** The two commands a fresh machine needs, which both READMEs open with. */
const FIRST_LINES = ['```sh', 'npm ci && npm run build', 'npm test']

/** Relative links in a Markdown file: [text](target), without anchors-only links. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/.test(target))
}

describe.each(['README.md', 'README.zh-CN.md'])('%s', (file) => {
  it('should open with the two commands', async () => {
    const lines = (await read(file)).split('\n').slice(0, 3)
    expect(lines[0]).toBe(FIRST_LINES[0])
    expect(lines[1]!.startsWith(FIRST_LINES[1]!)).toBe(true)
    expect(lines[2]!.startsWith(FIRST_LINES[2]!)).toBe(true)
  })

  it('should link only to files that exist', async () => {
    for (const target of relativeLinks(await read(file))) {
      expect(existsSync(path.join(ROOT, target)), `${file} links to ${target}`).toBe(true)
    }
  })

  it('should show the doctor command and link every platform guide', async () => {
    const text = await read(file)
    expect(text).toContain('npm run doctor -- https://')
    expect(text).toContain('node oxy.cjs doctor https://')
    for (const guide of PLATFORM_GUIDES) {
      expect(text).toContain(`(docs/${guide}.md)`)
    }
  })
})

describe('platform guides', () => {
  it.each(PLATFORM_GUIDES)('should tell %s users how to verify with oxy doctor', async (guide) => {
    const text = await read(`docs/${guide}.md`)
    expect(text).toMatch(/^#{2,3} Verify with oxy doctor$/m)
    expect(text).toMatch(/^npm run doctor -- https:\/\/\S+ --key \$OPENAI_API_KEY$/m)
    // The guides with a Chinese half have the section in both languages.
    if (text.includes('## 中文')) expect(text).toContain('### 用 oxy doctor 检查')
  })
})
