import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/** The README's ten-line tutorial is the type-checked file, line for line, so the README cannot drift. */
describe('README: the tutorial in ten lines of TypeScript', () => {
  it('shows exactly examples/tutorial-ten-lines.ts (without its header comment), in ten lines', () => {
    const readme = readFileSync('README.md', 'utf8')
    const section = readme.slice(readme.indexOf('### The tutorial in ten lines of TypeScript'))
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    const file = readFileSync('examples/tutorial-ten-lines.ts', 'utf8').split('\n').slice(1).join('\n')
    expect(block).toBe(file)
    expect(file.split('\n').filter((line) => line.trim() !== '')).toHaveLength(10)
  })
})

describe('README: the capability example', () => {
  it('shows exactly examples/extension-grant.ts (without its header comment)', () => {
    const readme = readFileSync('README.md', 'utf8')
    const section = readme.slice(readme.indexOf('### Capabilities'))
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    expect(block).toBe(readFileSync('examples/extension-grant.ts', 'utf8').split('\n').slice(1).join('\n'))
  })
})
