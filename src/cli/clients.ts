import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createClient, deleteClient, rotateClientSecret, setClientDisabled, updateClient } from '../server/admin.js'
import { setClientRequireMfa } from '../server/mfa/admin.js'
import { clientBackchannelLogout, setClientBackchannelLogout } from '../server/backchannel-logout/records.js'
import { backchannelLogoutMetadata, type BackchannelLogoutClientMetadata } from '../protocol/oidc-backchannel-logout/client-metadata.js'
import { now, openStore, print, secretFor, STORE_OPTIONS, UsageError, type StoreFlags } from './common.js'
import { cliAuditSink } from './audit.js'
import { cliRegistry } from './capabilities.js'
import { JWT_BEARER_GRANT_TYPE } from '../server/jwt-bearer/index.js'
import { DEVICE_CODE_GRANT_TYPE } from '../server/device/index.js'
import { clientProfile, fapi2ClientProblem } from '../server/fapi2/client-profile.js'
import { createFapi2Client } from '../server/fapi2/create-client.js'
import { setClientUpstreams } from '../server/federation/records.js'
import type { Store } from '../storage/types.js'
import { setTokenExchangePolicy, TOKEN_EXCHANGE_GRANT_TYPE, tokenExchangePolicyProblem } from '../server/token-exchange/index.js'
import { OAuthError } from '../errors.js'

/** `createFapi2Client` with its contradictions as usage errors. */
const createFapi2ClientOrUsage: typeof createFapi2Client = async (...args) => {
  try {
    return await createFapi2Client(...args)
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(`client create --profile fapi2: ${error.message}`)
    throw error
  }
}

/** A FAPI 2.0 client keeps the profile's settings: an update that would leave them is refused before anything is written. */
async function refuseFapi2Weakening(store: Store, clientId: string, values: Record<string, unknown>): Promise<void> {
  const current = await store.clients.get(clientId)
  if (!current || (await clientProfile(store, current, now())) !== 'fapi2') return
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined)
  const problem = fapi2ClientProblem({
    token_endpoint_auth_method: text('auth-method') ?? current.token_endpoint_auth_method,
    token_endpoint_auth_signing_alg: text('auth-signing-alg') ?? current.token_endpoint_auth_signing_alg,
    require_pushed_authorization_requests: values['no-require-par'] === true ? false : current.require_pushed_authorization_requests,
    dpop_bound_access_tokens: values['no-dpop-bound'] === true ? false : current.dpop_bound_access_tokens,
    id_token_signed_response_alg: text('id-token-alg') ?? current.id_token_signed_response_alg,
    request_object_signing_alg: text('request-object-alg') === '' ? null : (text('request-object-alg') ?? current.request_object_signing_alg),
  })
  if (problem) throw new UsageError(`client ${clientId} is a FAPI 2.0 client: ${problem}`)
}

/** Short names for grant types whose registered value is a URN (RFC 6749 §4.5 extension grants). */
const GRANT_ALIASES: Readonly<Record<string, string>> = { 'jwt-bearer': JWT_BEARER_GRANT_TYPE, device_code: DEVICE_CODE_GRANT_TYPE, 'token-exchange': TOKEN_EXCHANGE_GRANT_TYPE }

/** `--grant` values, comma-separated or repeated, short names expanded. */
function grantTypes(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).map((grant) => GRANT_ALIASES[grant] ?? grant)
}

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
      profile: { type: 'string' },
      // Which upstream identity providers the client's login page offers (federation); `all` lifts the list.
      upstream: { type: 'string', multiple: true },
      // Declared, not `allowNegative`: that needs Node 20.16.
      'no-require-par': { type: 'boolean' },
      'no-require-signed-request-object': { type: 'boolean' },
      'no-dpop-bound': { type: 'boolean' },
      'require-mfa': { type: 'boolean' },
      'no-require-mfa': { type: 'boolean' },
      // RFC 8693: what the client may do with token exchange, as JSON (`none` removes it).
      'token-exchange-policy': { type: 'string' },
      // OpenID Back-Channel Logout §2.2; an empty URI removes it.
      'backchannel-logout-uri': { type: 'string' },
      'backchannel-logout-session-required': { type: 'boolean' },
      'no-backchannel-logout-session-required': { type: 'boolean' },
    },
    strict: true,
  })
  const json = values.json ?? false
  // Checked before the store is touched: a bad policy leaves no client half-made.
  const exchangePolicy = tokenExchangePolicyFlag(values['token-exchange-policy'])
  const store = await openStore(values)
  try {
    switch (action) {
      case 'create': {
        if (!values.name) throw new UsageError('client create needs --name')
        if (values.profile !== undefined && values.profile !== 'fapi2') throw new UsageError('--profile must be fapi2 (the FAPI 2.0 Security Profile for this client)')
        // Under the profile, what the flags leave open is set its way, and what contradicts it is refused.
        const create = values.profile === 'fapi2' ? createFapi2ClientOrUsage : createClient
        const backchannel = await backchannelOptions(store, undefined, values)
        const { client, clientSecret } = await create(store, {
          name: values.name,
          redirectUris: values['redirect-uri'] ?? [],
          postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
          ...(values.grant ? { grantTypes: grantTypes(values.grant) } : {}),
          ...(values.scope ? { scopes: values.scope.split(' ').filter(Boolean) } : {}),
          ...(values['auth-method'] ? { authMethod: values['auth-method'] } : {}),
          skipConsent: values['skip-consent'] ?? false,
          ...keyOptions(values),
          ...(values['require-par'] !== undefined || values.profile === undefined ? { requirePushedAuthorizationRequests: values['require-par'] ?? false } : {}),
          ...(values['dpop-bound'] !== undefined || values.profile === undefined ? { dpopBoundAccessTokens: values['dpop-bound'] ?? false } : {}),
          requireSignedRequestObject: values['require-signed-request-object'] ?? false,
          ...(values['request-object-alg'] ? { requestObjectSigningAlg: values['request-object-alg'] } : {}),
        }, now(), { audit: cliAuditSink(store), actor: 'cli', registry: cliRegistry, ...sealingSecret(values, values['auth-method']) })
        await applyUpstreams(store, client.client_id, values.upstream)
        if (values['require-mfa']) await setClientRequireMfa(store, client.client_id, true)
        if (exchangePolicy !== undefined) await setTokenExchangePolicy(store, client.client_id, exchangePolicy ?? undefined)
        if (backchannel) await setClientBackchannelLogout(store, client.client_id, backchannel)
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
        await refuseFapi2Weakening(store, values.id, values)
        const backchannel = await backchannelOptions(store, values.id, values)
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
          ...(values.grant ? { grantTypes: grantTypes(values.grant) } : {}),
          ...(values.scope !== undefined ? { scopes: values.scope.split(' ').filter(Boolean) } : {}),
          ...(values['id-token-alg'] ? { idTokenSignedResponseAlg: values['id-token-alg'] } : {}),
          ...(values['skip-consent'] !== undefined ? { skipConsent: values['skip-consent'] } : {}),
        }, { audit: cliAuditSink(store), actor: 'cli', registry: cliRegistry })
        if (!client) throw new UsageError(`no client ${values.id}`)
        await applyUpstreams(store, client.client_id, values.upstream)
        if (values['require-mfa'] && values['no-require-mfa']) throw new UsageError('use either --require-mfa or --no-require-mfa')
        if (values['require-mfa'] || values['no-require-mfa']) await setClientRequireMfa(store, client.client_id, values['require-mfa'] === true)
        if (exchangePolicy !== undefined) await setTokenExchangePolicy(store, client.client_id, exchangePolicy ?? undefined)
        if (backchannel) await setClientBackchannelLogout(store, client.client_id, backchannel)
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

/**
 * `--token-exchange-policy JSON`: the client's token exchange policy (RFC 8693; see `TokenExchangePolicy`),
 * validated; `none` (null here) removes it; undefined when the flag is absent.
 */
function tokenExchangePolicyFlag(value: string | undefined): unknown {
  if (value === undefined) return undefined
  if (value === 'none') return null
  let policy: unknown
  try {
    policy = JSON.parse(value)
  } catch {
    throw new UsageError('--token-exchange-policy must be a JSON object, e.g. \'{"audiences":["https://api.example.com"],"delegation":true}\', or none')
  }
  const problem = tokenExchangePolicyProblem(policy)
  if (problem) throw new UsageError(`--token-exchange-policy: ${problem}`)
  return policy
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

/**
 * `--backchannel-logout-uri URL` and `--[no-]backchannel-logout-session-required`, merged with what the
 * client has (an update changes only what is given), validated as dynamic registration does — except
 * that the operator may name a loopback http URI (delivery still needs `serve --allow-loopback-fetch`).
 * Undefined when neither flag is given.
 */
async function backchannelOptions(
  store: Parameters<typeof setClientBackchannelLogout>[0], clientId: string | undefined,
  values: { 'backchannel-logout-uri'?: string | undefined; 'backchannel-logout-session-required'?: boolean | undefined; 'no-backchannel-logout-session-required'?: boolean | undefined },
): Promise<BackchannelLogoutClientMetadata | undefined> {
  const uri = values['backchannel-logout-uri']
  const on = values['backchannel-logout-session-required']
  const off = values['no-backchannel-logout-session-required']
  if (on && off) throw new UsageError('use either --backchannel-logout-session-required or --no-backchannel-logout-session-required')
  if (uri === undefined && on === undefined && off === undefined) return undefined
  const current = clientId === undefined ? undefined : await clientBackchannelLogout(store.records, clientId, now())
  const body = {
    backchannel_logout_uri: uri === undefined ? current?.backchannel_logout_uri : uri === '' ? undefined : uri,
    backchannel_logout_session_required: on === true ? true : off === true ? false : current?.backchannel_logout_session_required ?? false,
  }
  try {
    return backchannelLogoutMetadata(body, { allowLoopbackHttp: true })
  } catch (error) {
    if (error instanceof OAuthError) throw new UsageError(`--backchannel-logout-uri: ${error.description ?? error.error}`)
    throw error
  }
}

/** `--upstream google --upstream corp` (or `google,corp`): the client's allow-list; `--upstream all` removes it; `--upstream none` offers none. */
async function applyUpstreams(store: Parameters<typeof setClientUpstreams>[0], clientId: string, values: string[] | undefined): Promise<void> {
  if (values === undefined) return
  const names = values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean)
  if (names.includes('all')) return setClientUpstreams(store, clientId, null)
  const invalid = names.find((name) => name !== 'none' && !/^[A-Za-z0-9_-]{1,64}$/.test(name))
  if (invalid !== undefined) throw new UsageError(`--upstream ${invalid}: an upstream id ([A-Za-z0-9_-]), all or none`)
  await setClientUpstreams(store, clientId, names.filter((name) => name !== 'none'))
}
