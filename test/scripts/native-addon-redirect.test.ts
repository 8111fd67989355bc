import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const REDIRECT = pathToFileURL(join(process.cwd(), 'scripts', 'native-addon-redirect.mjs')).href

/** dlopens `addon` with the preload of scripts/node-versions.mjs and `redirects`; returns the load error. */
function loadError(addon: string, redirects: Record<string, string>): string {
  const result = spawnSync(process.execPath, ['-e', `try { process.dlopen({ exports: {} }, ${JSON.stringify(addon)}) } catch (error) { console.log(error.message) }`], {
    env: { ...process.env, NODE_OPTIONS: `--import "${REDIRECT}"`, TESSERA_NATIVE_ADDONS: JSON.stringify(redirects) },
    encoding: 'utf8',
  })
  expect(result.status).toBe(0)
  return result.stdout
}

describe('scripts/native-addon-redirect.mjs (the suites on another Node version)', () => {
  it('loads the rebuilt copy of a listed addon instead of node_modules\' one', () => {
    const rebuilt = join(process.cwd(), '.tmp', 'no-such-dir', 'better_sqlite3.node')
    const original = join(process.cwd(), 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
    expect(loadError(original, { 'better_sqlite3.node': rebuilt })).toContain(rebuilt)
  })

  it('leaves addons that are not listed alone', () => {
    const other = join(process.cwd(), 'argon2-missing.node')
    expect(loadError(other, { 'better_sqlite3.node': '/elsewhere/better_sqlite3.node' })).not.toContain('/elsewhere/')
  })
})
