import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

// The repository's own eslint.config.js, so that the test proves the rule is registered for src/, not only
// that it works when configured by hand.
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT })
})

/** The `tessera/layers` messages for `code` as if it were the file `filePath`. */
async function layerMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter((message) => message.ruleId === 'tessera/layers').map((message) => message.message)
}

describe('the layer rule (eslint/layers.js)', () => {
  it('refuses ui importing the server, type-only too', async () => {
    const messages = await layerMessages('src/ui/violation.ts', "import type { ServerContext } from '../server/context.js'\nexport type X = ServerContext\n")
    expect(messages).toEqual([expect.stringContaining('ui must not import src/server/context.ts (layer server)')])
  })

  it('refuses protocol importing storage', async () => {
    const messages = await layerMessages('src/protocol/rfc6749/violation.ts', "import { StorageUnavailableError } from '../../storage/types.js'\nexport const E = StorageUnavailableError\n")
    expect(messages).toEqual([expect.stringContaining('protocol must not import src/storage/types.ts')])
  })

  it('refuses resource importing the server, also through export … from', async () => {
    const messages = await layerMessages(
      'src/resource/violation.ts',
      "import { resolveConfig } from '../server/config.js'\nexport { ENDPOINT_PATHS } from '../server/context.js'\nexport * from '../server/pages.js'\nexport const r = resolveConfig\n",
    )
    expect(messages).toHaveLength(3)
    for (const message of messages) expect(message).toContain('resource must not import src/server/')
  })

  it('refuses a dynamic import() across layers, and one it cannot read', async () => {
    const messages = await layerMessages(
      'src/protocol/violation.ts',
      "export const load = () => import('../server/admin.js')\nexport const later = (name: string) => import(`../storage/${name}.js`)\n",
    )
    expect(messages).toEqual([expect.stringContaining('protocol must not import src/server/admin.ts'), expect.stringContaining('computed specifier')])
  })

  it('refuses the server reaching into ui past ui/index.ts', async () => {
    expect(await layerMessages('src/server/violation.ts', "import { renderLoginPage } from '../ui/pages/login.js'\nexport const r = renderLoginPage\n")).toEqual([
      expect.stringContaining('server must not import src/ui/pages/login.ts'),
    ])
  })

  it('refuses a file in a folder missing from the table (fail closed), and imports of such a folder', async () => {
    expect(await layerMessages('src/plugins/violation.ts', 'export const x = 1\n')).toEqual([expect.stringContaining('src/plugins/violation.ts is in no layer')])
    expect(await layerMessages('src/server/violation.ts', "import { x } from '../plugins/violation.js'\nexport const y = x\n")).toEqual([
      expect.stringContaining('server must not import src/plugins/violation.ts'),
    ])
  })

  it('refuses the package importing itself by name', async () => {
    expect(await layerMessages('src/protocol/violation.ts', "import { createAuthorizationServer } from 'tessera-oidc/server'\nexport const c = createAuthorizationServer\n")).toEqual([
      expect.stringContaining('bypass the layer table'),
    ])
  })

  it('accepts imports the table allows', async () => {
    const allowed: [string, string][] = [
      ['src/server/endpoints/allowed.ts', "import type { PageRenderer } from '../../ui/index.js'\nimport { OAuthError } from '../../errors.js'\nimport type { Store } from '../../storage/types.js'\nimport { formatScope } from '../../protocol/rfc6749/scope.js'\nimport { ServerContext } from '../context.js'\nexport type X = [PageRenderer, OAuthError, Store, ServerContext, typeof formatScope]\n"],
      ['src/ui/allowed.ts', "import type { OAuthResponse } from '../http/types.js'\nimport { html } from './html.js'\nexport type X = [OAuthResponse, typeof html]\n"],
      ['src/resource/allowed.ts', "import { verifyJwt } from '../jwt/verify.js'\nimport { isBearerTokenSyntax } from '../protocol/rfc6750/bearer.js'\nimport { createHash } from 'node:crypto'\nexport const x = [verifyJwt, isBearerTokenSyntax, createHash]\n"],
      ['src/client/allowed.ts', "import { translateRedisErrors } from '../storage/redis-errors.js'\nexport const x = translateRedisErrors\n"],
      ['src/adapters/allowed.ts', "export { createResourceServer } from '../resource/create-resource-server.js'\nexport { createAuthorizationServer } from '../server/create-server.js'\n"],
      ['src/cli/allowed.ts', "export const load = () => import('../storage/postgres.js')\n"],
      ['src/errors.ts', "export const x = 1\n"],
    ]
    for (const [filePath, code] of allowed) expect(await layerMessages(filePath, code), filePath).toEqual([])
  })

  it('leaves test files alone', async () => {
    expect(await layerMessages('test/ui/anything.test.ts', "import { resolveConfig } from '../../src/server/config.js'\nexport const r = resolveConfig\n")).toEqual([])
  })
})
