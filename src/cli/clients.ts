import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createClient, deleteClient, rotateClientSecret, setClientDisabled, updateClient } from '../server/admin.js'
import { setClientRequireMfa } from '../server/mfa/admin.js'
import { now, openStore, print, secretFor, STORE_OPTIONS, UsageError, type StoreFlags } from './common.js'
import { cliAuditSink } from './audit.js'
import { cliRegistry } from './capabilities.js'

/** `tessera-oidc client create|list|update|rotate-secret|disable|enable|delete`. */
export async function clientCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: {
      ...STORE_OPTIONS,
      json: { type: 'boolean' },
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      grant: { type: 'string', multiple: true },
      scope: { type: 'string' },
      'auth-method': { type: 'string' },
      'skip-consent': { type: 'boolean' },
      id: { type: 'string' },
      'id-token-alg': { type: 'string' },
      jwks: { type: 'string' },
      'jwks-uri': { type: 'string' },
      'auth-signing-alg': { type: 'string' },
      'require-par': { type: 'boolean' },
      'require-signed-request-object': { type: 'boolean' },
      'request-object-alg': { type: 'string' },
      'dpop-bound': { type: 'boolean' },
      // Declared, not `allowNegative`: that needs Node 20.16.
      'no-require-par': { type: 'boolean' },
      'no-require-signed-request-object': { type: 'boolean' },
      'no-dpop-bound': { type: 'boolean' },
      'require-mfa': { type: 'boolean' },
      'no-require-mfa': { type: 'boolean' },
    },
    strict: true,
  })
  const json = values.json ?? false
  const store = await openStore(values)
  try {
    switch (action) {
      case 'create': {
        if (!values.name) throw new UsageError('client create needs --name')
        const { client, clientSecret } = await createClient(store, {
          name: values.name,
          redirectUris: values['redirect-uri'] ?? [],
          postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
          ...(values.grant ? { grantTypes: values.grant.flatMap((g) => g.split(',')) } : {}),
          ...(values.scope ? { scopes: values.scope.split(' ').filter(Boolean) } : {}),
          ...(values['auth-method'] ? { authMethod: values['auth-method'] } : {}),
          skipConsent: values['skip-consent'] ?? false,
          ...keyOptions(values),
          requirePushedAuthorizationRequests: values['require-par'] ?? false,
          dpopBoundAccessTokens: values['dpop-bound'] ?? false,
          requireSignedRequestObject: values['require-signed-request-object'] ?? false,
          ...(values['request-object-alg'] ? { requestObjectSigningAlg: values['request-object-alg'] } : {}),
        }, now(), { audit: cliAuditSink(store), actor: 'cli', registry: cliRegistry, ...sealingSecret(values, values['auth-method']) })
        if (values['require-mfa']) await setClientRequireMfa(store, client.client_id, true)
        print(json, { client_id: client.client_id, client_secret: clientSecret ?? null, client_name: client.client_name, redirect_uris: client.redirect_uris, grant_types: client.grant_types, scope: client.scopes.join(' '), token_endpoint_auth_method: client.token_endpoint_auth_method },
          `client_id:     ${client.client_id}\nclient_secret: ${clientSecret ?? '(public client, none)'}\nThe secret is shown only now.`)
        return
      }
      case 'list': {
        const clients = await store.clients.list()
        const rows = clients.map(({ client_secret_hash: _hash, client_secret_sealed: _sealed, ...client }) => client)
        print(json, rows, rows.map((c) => `${c.client_id}\t${c.client_name}\t${c.grant_types.join(',')}\t${c.redirect_uris.join(' ')}${c.disabled ? '\t(disabled)' : ''}`).join('\n') || '(no clients)')
        return
      }
      case 'update': {
        if (!values.id) throw new UsageError('client update needs --id CLIENT_ID')
        const client = await updateClient(store, values.id, {
          ...(values['auth-method'] ? { authMethod: values['auth-method'] } : {}),
          ...keyOptions(values),
          ...flag('requirePushedAuthorizationRequests', values['require-par'], values['no-require-par']),
          ...flag('dpopBoundAccessTokens', values['dpop-bound'], values['no-dpop-bound']),
          ...flag('requireSignedRequestObject', values['require-signed-request-object'], values['no-require-signed-request-object']),
          ...(values['request-object-alg'] !== undefined ? { requestObjectSigningAlg: values['request-object-alg'] === '' ? null : values['request-object-alg'] } : {}),
          ...(values.name !== undefined ? { name: values.name } : {}),
          ...(values['redirect-uri'] ? { redirectUris: values['redirect-uri'] } : {}),
          ...(values['post-logout-redirect-uri'] ? { postLogoutRedirectUris: values['post-logout-redirect-uri'] } : {}),
          ...(values.grant ? { grantTypes: values.grant.flatMap((g) => g.split(',')) } : {}),
          ...(values.scope !== undefined ? { scopes: values.scope.split(' ').filter(Boolean) } : {}),
          ...(values['id-token-alg'] ? { idTokenSignedResponseAlg: values['id-token-alg'] } : {}),
          ...(values['skip-consent'] !== undefined ? { skipConsent: values['skip-consent'] } : {}),
        }, { audit: cliAuditSink(store), actor: 'cli', registry: cliRegistry })
        if (!client) throw new UsageError(`no client ${values.id}`)
        if (values['require-mfa'] && values['no-require-mfa']) throw new UsageError('use either --require-mfa or --no-require-mfa')
        if (values['require-mfa'] || values['no-require-mfa']) await setClientRequireMfa(store, client.client_id, values['require-mfa'] === true)
        const { client_secret_hash: _hash, client_secret_sealed: _sealed, ...shown } = client
        print(json, shown, `updated client ${client.client_id}: ${client.grant_types.join(',')} ${client.redirect_uris.join(' ')} scope "${client.scopes.join(' ')}"`)
        return
      }
      case 'rotate-secret': {
        if (!values.id) throw new UsageError('client rotate-secret needs --id CLIENT_ID')
        const method = (await store.clients.get(values.id))?.token_endpoint_auth_method
        const secret = await rotateClientSecret(store, values.id, { audit: cliAuditSink(store), actor: 'cli', registry: cliRegistry, ...sealingSecret(values, method) })
        if (secret === undefined) throw new UsageError(`no client ${values.id}`)
        print(json, { client_id: values.id, client_secret: secret }, `client_id:     ${values.id}\nclient_secret: ${secret}\nThe old secret no longer works; the new one is shown only now.`)
        return
      }
      case 'disable':
      case 'enable': {
        if (!values.id) throw new UsageError(`client ${action} needs --id CLIENT_ID`)
        const client = await setClientDisabled(store, values.id, action === 'disable', { audit: cliAuditSink(store), actor: 'cli', registry: cliRegistry })
        if (!client) throw new UsageError(`no client ${values.id}`)
        print(json, { client_id: client.client_id, disabled: client.disabled }, `${action}d client ${client.client_id}`)
        return
      }
      case 'delete': {
        if (!values.id) throw new UsageError('client delete needs --id CLIENT_ID')
        const deleted = await deleteClient(store, values.id, { audit: cliAuditSink(store), actor: 'cli', registry: cliRegistry })
        if (!deleted) throw new UsageError(`no client ${values.id}`)
        print(json, { deleted: values.id }, `deleted client ${values.id}`)
        return
      }
      default:
        throw new UsageError('usage: tessera-oidc client create|list|update|rotate-secret|disable|enable|delete')
    }
  } finally {
    await store.close()
  }
}

/** `--jwks FILE` (a JWKS of public keys), `--jwks-uri URL`, `--auth-signing-alg ALG`: a `private_key_jwt` client's keys. */
function keyOptions(values: { jwks?: string | undefined; 'jwks-uri'?: string | undefined; 'auth-signing-alg'?: string | undefined }): {
  jwks?: unknown; jwksUri?: string; tokenEndpointAuthSigningAlg?: string
} {
  let jwks: unknown
  if (values.jwks !== undefined) {
    try {
      jwks = JSON.parse(readFileSync(values.jwks, 'utf8'))
    } catch (error) {
      throw new UsageError(`--jwks ${values.jwks} is not a readable JSON file: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return {
    ...(jwks !== undefined ? { jwks } : {}),
    ...(values['jwks-uri'] !== undefined ? { jwksUri: values['jwks-uri'] } : {}),
    ...(values['auth-signing-alg'] !== undefined ? { tokenEndpointAuthSigningAlg: values['auth-signing-alg'] } : {}),
  }
}

/** A `client_secret_jwt` client's secret is sealed with the server secret (the one `serve` uses for this store). */
function sealingSecret(flags: StoreFlags, authMethod: string | undefined): { secret?: string } {
  return authMethod === 'client_secret_jwt' ? { secret: secretFor(flags).secret } : {}
}

/** `--X` sets a flag, `--no-X` clears it, neither keeps it. */
function flag<K extends string>(name: K, on: boolean | undefined, off: boolean | undefined): Partial<Record<K, boolean>> {
  if (on && off) throw new UsageError('a flag and its --no- form cannot be given together')
  if (on) return { [name]: true } as Partial<Record<K, boolean>>
  if (off) return { [name]: false } as Partial<Record<K, boolean>>
  return {}
}
