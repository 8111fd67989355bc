import { parseArgs } from 'node:util'
import { createStoredResource, deleteStoredResource, listStoredResources } from '../server/index.js'
import { now, openStore, print, STORE_OPTIONS, UsageError } from './common.js'

const USAGE = 'usage: tessera-oidc resource create --identifier URI --scope SCOPE... [--json] | list [--json] | delete IDENTIFIER'

/**
 * `--scope` values: `name` or `name=description` (the consent page's words; the name itself otherwise),
 * each flag one scope or several separated by spaces.
 */
function scopesOf(values: readonly string[]): Record<string, string> {
  const scopes: Record<string, string> = {}
  for (const value of values) {
    const equals = value.indexOf('=')
    if (equals > 0) {
      scopes[value.slice(0, equals)] = value.slice(equals + 1)
      continue
    }
    for (const name of value.split(' ').filter(Boolean)) scopes[name] = name
  }
  return scopes
}

/**
 * `tessera-oidc resource create|list|delete`: APIs registered in the store (RFC 8707 resource identifiers),
 * picked up by a running server with its next request. `create` prints the resource's introspection
 * credentials once; the store keeps the secret's SHA-256.
 */
export async function resourceCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv
  const { values, positionals } = parseArgs({
    args: rest,
    options: { ...STORE_OPTIONS, json: { type: 'boolean' }, identifier: { type: 'string' }, scope: { type: 'string', multiple: true } },
    allowPositionals: action === 'delete',
    strict: true,
  })
  const json = values.json ?? false
  if (action === 'create' && (!values.identifier || !values.scope?.length)) throw new UsageError(`resource create needs --identifier and --scope\n${USAGE}`)
  if (action === 'delete' && positionals.length !== 1) throw new UsageError(`resource delete needs the identifier\n${USAGE}`)
  const store = await openStore(values)
  try {
    switch (action) {
      case 'create': {
        const { resource, clientSecret } = await createStoredResource(store, { identifier: values.identifier ?? '', scopes: scopesOf(values.scope ?? []), now: now() })
        print(json, { identifier: resource.identifier, scope: Object.keys(resource.scopes).join(' '), client_id: resource.client_id, client_secret: clientSecret }, [
          `resource:      ${resource.identifier}`,
          `scope:         ${Object.keys(resource.scopes).join(' ')}`,
          'introspection credentials (client_secret_basic or client_secret_post at the introspection endpoint):',
          `client_id:     ${resource.client_id}`,
          `client_secret: ${clientSecret}`,
          'The secret is shown only now.',
        ].join('\n'))
        return
      }
      case 'list': {
        const resources = await listStoredResources(store)
        const rows = resources.map((resource) => ({ identifier: resource.identifier, scopes: resource.scopes, client_id: resource.client_id, created_at: resource.created_at }))
        print(json, rows, rows.map((row) => `${row.identifier}\t${Object.keys(row.scopes).join(' ')}\t${row.client_id}`).join('\n') || '(no stored resources)')
        return
      }
      case 'delete': {
        const identifier = positionals[0] ?? ''
        if (!(await deleteStoredResource(store, identifier))) throw new UsageError(`no stored resource ${identifier}`)
        print(json, { deleted: identifier }, `deleted resource ${identifier} and its introspection credentials`)
        return
      }
      default:
        throw new UsageError(USAGE)
    }
  } finally {
    await store.close()
  }
}
