import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const PROTOCOL = join(import.meta.dirname, '../../src/protocol')
/** STYLE.md: `errors, http, jwt ← protocol`; protocol/ never imports a store, a role or a framework. */
const ALLOWED = /^node:|^\.\/|^\.\.\/(oidc|rfc\d+)\/|^\.\.\/\.\.\/(errors\.js$|http\/|jwt\/|crypto\/)/

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [])
}

describe('protocol/ imports', () => {
  const files = sources(PROTOCOL)
  it.each(files.map((file) => [relative(PROTOCOL, file), file]))('%s imports only Node, errors, http, jwt, crypto and other protocol modules', (_name, file) => {
    const specifiers = [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1] ?? '')
    for (const specifier of specifiers) {
      expect(specifier, `${specifier} in ${file}`).toMatch(ALLOWED)
      if (specifier.startsWith('.')) expect(specifier, `${specifier} in ${file}`).toMatch(/\.js$/)
    }
  })
})
