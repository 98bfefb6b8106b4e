export interface TableRow {
  readonly platform: string
  readonly zip: string
  readonly bytes: number
}

/** The table the build prints: one line per zip, columns aligned. */
export function formatTable(rows: readonly TableRow[]): string {
  const lines = [
    ['platform', 'zip', 'size'],
    ...rows.map((row) => [row.platform, row.zip, formatSize(row.bytes)]),
  ]
  const widths = [0, 1].map((column) => Math.max(...lines.map((line) => line[column]!.length)))
  return lines
    .map(([platform, zip, size]) => `${platform!.padEnd(widths[0]!)}  ${zip!.padEnd(widths[1]!)}  ${size}`)
    .join('\n')
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  return `${(bytes / 1024).toFixed(1)} KB`
}
