import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// `npm run docs` is TypeDoc with typedoc.json: one entry point per package export, and every warning (an
// exported symbol without documentation, a broken {@link}, a public type naming an unexported one) an error.
describe('npm run docs (typedoc.json)', () => {
  it('builds the API reference without a warning, with a page for each entry point and the main functions', () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-docs-'))
    try {
      const result = spawnSync(process.execPath, ['node_modules/typedoc/bin/typedoc', '--out', out], { encoding: 'utf8' })
      expect(result.stdout + result.stderr).not.toMatch(/\[(warning|error)\]/)
      expect(result.status).toBe(0)
      const exports = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> }
      const config = JSON.parse(readFileSync('typedoc.json', 'utf8')) as { entryPoints: string[] }
      // Every export with code behind it is documented (package.json itself is not).
      expect(config.entryPoints).toHaveLength(Object.keys(exports.exports).filter((key) => key !== './package.json').length)
      for (const page of [
        'index.html',
        'modules/server.html',
        'modules/client.html',
        'modules/resource.html',
        'modules/doctor.html',
        'modules/storage_sqlite.html',
        'modules/adapters_hono.html',
        'functions/server.createAuthorizationServer.html',
        'functions/server.createOpenTelemetryObserver.html',
        'functions/resource.createResourceServer.html',
        'functions/client.createOAuth.html',
      ]) expect(existsSync(join(out, page)), page).toBe(true)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 180_000)
})
