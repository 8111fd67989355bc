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
      const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, string | { default: string }> }
      const config = JSON.parse(readFileSync('typedoc.json', 'utf8')) as { entryPoints: string[] }
      // Every export with code behind it is an entry point (package.json itself is not), so a new export cannot go undocumented.
      const sources = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [] : [target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')]))
      expect([...config.entryPoints].sort()).toEqual(sources.sort())
      for (const page of [
        'index.html',
        'modules/tessera-oidc.html',
        'modules/tessera-oidc_server.html',
        'modules/tessera-oidc_client.html',
        'modules/tessera-oidc_resource.html',
        'modules/tessera-oidc_doctor.html',
        'modules/tessera-oidc_storage_sqlite.html',
        'modules/tessera-oidc_adapters_hono.html',
        'functions/tessera-oidc_server.createAuthorizationServer.html',
        'functions/tessera-oidc_server.createOpenTelemetryObserver.html',
        'functions/tessera-oidc_resource.createResourceServer.html',
        'functions/tessera-oidc_client.createOAuth.html',
      ]) expect(existsSync(join(out, page)), page).toBe(true)
      // Each entry point is named as it is imported, and its page carries the module's own description.
      expect(readFileSync(join(out, 'modules/tessera-oidc_server.html'), 'utf8')).toContain('tessera-oidc/server')
      expect(readFileSync(join(out, 'modules/tessera-oidc_server.html'), 'utf8')).toContain('authorization server and OpenID provider')
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 180_000)
})
