import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

// The published JSON Schema and docs/configuration.md come from the schema in src/standalone/config-file.ts;
// a key added there without regenerating them fails here (the launcher builds dist/ before the suites).
describe('scripts/config-reference.mjs', () => {
  it('finds schema/tessera.config.schema.json and docs/configuration.md up to date', () => {
    const result = spawnSync(process.execPath, ['scripts/config-reference.mjs', '--check'], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})
