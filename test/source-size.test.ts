import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** House rules (DESIGN.md): small files with one job, functions short enough to read. */
const MAX_FILE_LINES = 350
const MAX_FUNCTION_LINES = 100
const PRODUCT_DIRS = ['core', 'adapters']

/** Product sources: every .ts under core/ and adapters/ except tests. */
function productFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name)
    if (entry.isDirectory()) return productFiles(relative)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative] : []
  })
}

/** Each function, method or arrow with the lines it spans, nested ones included in their parent's. */
function functionSpans(file: string, text: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const spans: { name: string; lines: number }[] = []
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)'
      spans.push({ name: `${file}:${start + 1} ${name}`, lines: end - start + 1 })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return spans
}

describe('product sources', () => {
  const files = PRODUCT_DIRS.flatMap(productFiles)

  it('should find the sources it checks', () => {
    expect(files).toContain(path.join('core', 'engines', 'node', 'node-proxy.ts'))
    expect(files.some((file) => file.endsWith('.test.ts'))).toBe(false)
  })

  it(`should keep every file within ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file, lines: readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1 }))
      .filter((entry) => entry.lines > MAX_FILE_LINES)
    expect(long).toEqual([])
  })

  it(`should keep every function within ${MAX_FUNCTION_LINES} lines, nested functions included`, () => {
    const long = files
      .flatMap((file) => functionSpans(file, readFileSync(path.join(ROOT, file), 'utf8')))
      .filter((span) => span.lines > MAX_FUNCTION_LINES)
    expect(long).toEqual([])
  })
})

describe('functionSpans', () => {
  it('should count a function from its first line to its last, nested ones inside it', () => {
    const text = 'function outer() {\n  const inner = () => {\n    return 1\n  }\n  return inner\n}\n'
    expect(functionSpans('x.ts', text)).toEqual([
      { name: 'x.ts:1 outer', lines: 6 },
      { name: 'x.ts:2 (anonymous)', lines: 3 },
    ])
  })
})
