/** The root module names every entry point of the package, so a reader of `tessera-oidc` finds the parts. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

describe('src/index.ts', () => {
  it('names every entry point of package.json', () => {
    const exports = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> }).exports)
    const doc = readFileSync('src/index.ts', 'utf8')
    const entries = exports.filter((entry) => entry !== '.' && entry !== './package.json').map((entry) => `\`tessera-oidc${entry.slice(1)}\``)
    expect(entries.length).toBeGreaterThan(15)
    expect(entries.filter((entry) => !doc.includes(entry))).toEqual([])
  })
})
