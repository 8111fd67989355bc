// @ts-check
import path from 'node:path'

/**
 * The architecture of src/, as data: each layer (a folder under src/, or a top-level file) and what it may
 * import besides its own modules. An entry is a whole layer (`'http'`) or one module of it (`'ui/index.ts'`):
 * the layer is then reachable only through that module. Lowest layers first, and no layer lists one listed
 * after it (import cycles between modules are checked by test/architecture/cycles.test.ts). A folder or
 * top-level file missing here fails lint, as does an import of one: a new one must be placed first.
 *
 * @see ../shared/STYLE.md (beside the repository), "Dependencies point one way"
 */
export const LAYERS = {
  // The one OAuthError base every layer may throw.
  'errors.ts': [],
  crypto: ['errors.ts'],
  // Wraps jose and knows no OAuth rule, so not even the OAuth error type.
  jwt: ['crypto'],
  http: ['errors.ts', 'crypto'],
  // A bounded map of verified tokens (keyed by their SHA-256), shared by the server's and the resource server's verification.
  cache: ['crypto'],
  // Pure spec logic shared by client, resource and server: never a store, a framework or a page.
  protocol: ['errors.ts', 'crypto', 'jwt', 'http'],
  storage: ['errors.ts', 'crypto'],
  // Renders view models; knows nothing of who asks for a page.
  ui: ['http'],
  resource: ['errors.ts', 'crypto', 'jwt', 'http', 'cache', 'protocol'],
  // Only what a relying-party store shares with the server's: StorageUnavailableError and the drivers'
  // connection-failure translation, applied to every method by wrap-methods.
  client: ['errors.ts', 'crypto', 'jwt', 'http', 'protocol', 'storage/types.ts', 'storage/postgres-errors.ts', 'storage/redis-errors.ts', 'storage/wrap-methods.ts'],
  // Federation (server/federation/) signs users in at upstream providers with the relying party's own
  // machinery, reached only through its broker module: no session, no token kept. The admin API
  // (server/admin-api/) checks the server's own tokens as any API would, through the public resource entry.
  server: ['errors.ts', 'crypto', 'jwt', 'http', 'cache', 'protocol', 'storage', 'ui/index.ts', 'client/broker.ts', 'resource/index.ts'],
  // Checks a deployment from outside, as a client would: it fetches and judges, and knows no server, store or client code.
  doctor: ['errors.ts', 'crypto', 'jwt', 'http', 'protocol'],
  adapters: ['errors.ts', 'crypto', 'jwt', 'http', 'cache', 'protocol', 'server', 'resource', 'client'],
  standalone: ['errors.ts', 'crypto', 'jwt', 'http', 'cache', 'protocol', 'storage', 'ui', 'server', 'resource', 'client', 'adapters'],
  cli: ['errors.ts', 'crypto', 'jwt', 'http', 'cache', 'protocol', 'storage', 'ui', 'server', 'resource', 'client', 'doctor', 'adapters', 'standalone'],
  'index.ts': ['errors.ts', 'crypto', 'jwt', 'http', 'cache', 'protocol', 'storage', 'ui', 'server', 'resource', 'client', 'doctor', 'adapters'],
}

/**
 * The layer of a path relative to src/ (`server/endpoints/token.ts` → `server`, `errors.ts` → `errors.ts`),
 * or undefined outside src/.
 *
 * @param {string} relative a path relative to src/, with forward slashes
 * @returns {string | undefined}
 */
export function layerOf(relative) {
  if (relative === '' || relative.startsWith('../') || relative === '..' || path.isAbsolute(relative)) return undefined
  return relative.split('/', 1)[0]
}

/**
 * Whether `from` (a layer) may import `target` (a path relative to src/).
 *
 * @param {string} from
 * @param {string} target
 */
export function mayImport(from, target) {
  const to = layerOf(target)
  if (to === undefined || to === from) return true
  /** @type {readonly string[] | undefined} */
  const allowed = Object.hasOwn(LAYERS, from) ? LAYERS[/** @type {keyof typeof LAYERS} */ (from)] : undefined
  return (allowed ?? []).some((entry) => entry === to || entry === target)
}

/**
 * ESLint rule `tessera/layers`: refuses an import of src/ that goes against LAYERS.
 *
 * A local rule rather than eslint-plugin-import-x's `no-restricted-paths` or eslint-plugin-boundaries:
 * those resolve specifiers to files first, and our `.js` specifiers name `.ts` files, which needs
 * eslint-import-resolver-typescript as one more dependency; an import they cannot resolve is skipped,
 * so a typo would pass. Here a relative specifier is mapped to src/ by path alone (`.js` → `.ts` does
 * not change the layer), nothing goes unchecked, and the table reads as the architecture.
 *
 * Checked: `import` (type-only too), `export … from`, `import()` with a string literal, and `import x =
 * require()`. Bare specifiers (packages, `node:`) are not layers and pass, except the package's own name
 * (`tessera-oidc/server`), which would reach any layer through the tsconfig paths.
 *
 * @type {import('eslint').Rule.RuleModule}
 */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between the layers of src/ follow the table in eslint/layers.js' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, required: ['root'], additionalProperties: false }],
    messages: {
      forbidden: '{{from}} must not import {{target}} (layer {{to}}): {{from}} may import {{allowed}}. See eslint/layers.js.',
      unknownLayer: '{{file}} is in no layer: add "{{layer}}" to LAYERS in eslint/layers.js.',
      dynamic: 'import() of a computed specifier cannot be checked against the layers; use a string literal.',
      selfReference: 'src/ imports its own modules by relative path: "{{specifier}}" would bypass the layer table.',
    },
  },
  create(context) {
    const root = /** @type {{ root: string }} */ (context.options[0]).root
    const file = path.relative(root, context.filename).split(path.sep).join('/')
    const from = layerOf(file)
    if (from === undefined) return {}
    if (!Object.hasOwn(LAYERS, from)) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unknownLayer', data: { file: `src/${file}`, layer: from } })
        },
      }
    }
    const allowed = LAYERS[/** @type {keyof typeof LAYERS} */ (from)]

    /** @param {import('estree').Node} node @param {unknown} specifier */
    function check(node, specifier) {
      if (typeof specifier !== 'string') return
      if (specifier === 'tessera-oidc' || specifier.startsWith('tessera-oidc/')) {
        context.report({ node, messageId: 'selfReference', data: { specifier } })
        return
      }
      if (!specifier.startsWith('.')) return
      const absolute = path.resolve(path.dirname(context.filename), specifier)
      const target = path.relative(root, absolute).split(path.sep).join('/').replace(/\.js$/, '.ts')
      if (mayImport(from, target)) return
      const to = layerOf(target) ?? '?'
      context.report({
        node,
        messageId: 'forbidden',
        data: { from, target: `src/${target}`, to, allowed: allowed.length > 0 ? allowed.join(', ') : 'nothing outside itself' },
      })
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node, node.source.value)
        else if (node.source.type === 'TemplateLiteral' && node.source.expressions.length === 0) check(node, node.source.quasis[0]?.value.cooked)
        else context.report({ node, messageId: 'dynamic' })
      },
      /** @param {{ moduleReference: { type: string; expression?: { value?: unknown } } } & import('estree').Node} node */
      TSImportEqualsDeclaration(node) {
        if (node.moduleReference.type === 'TSExternalModuleReference') check(node, node.moduleReference.expression?.value)
      },
    }
  },
}

/** The local plugin, registered in eslint.config.js as `tessera`. */
export default { meta: { name: 'tessera-layers' }, rules: { layers: layersRule } }
