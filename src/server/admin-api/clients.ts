import { createClient, deleteClient, rotateClientSecret, setClientDisabled, updateClient, type ClientChanges, type NewClientInput } from '../admin.js'
import type { ClientRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { clientProfile, fapi2ClientViolation, type Fapi2Settings, type Fapi2Violation } from '../fapi2/client-profile.js'
import { fapi2ClientInput, fapi2InputViolation } from '../fapi2/create-client.js'
import { bodyOf, booleanFilter, checkIfMatch, etagOf, json, noContent, pageAfter, pageOf, textFilter } from './http.js'
import type { AdminCall, AdminOperation } from './operation.js'
import { AdminProblem, notFound } from './problem.js'
import { ClientCreate, ClientPatch } from './schemas.js'

/** A client as the API shows it: its registration without secret material (hashes, sealed secrets). */
export function clientView(client: ClientRecord): Omit<ClientRecord, 'client_secret_hash' | 'client_secret_sealed' | 'registration_access_token_hash'> {
  const { client_secret_hash: _hash, client_secret_sealed: _sealed, registration_access_token_hash: _rat, ...shown } = client
  return shown
}

function withTag(status: number, client: ClientRecord, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return json(status, { ...extra, client: clientView(client) }, { ETag: etagOf(client), ...headers })
}

async function stored(call: AdminCall): Promise<ClientRecord> {
  const client = await call.ctx.config.store.clients.get(call.params.client_id ?? '')
  if (!client) throw notFound('client')
  return client
}

/** The members create and update share, by the API's names and by the admin functions' (`NewClientInput`, `ClientChanges`). */
const SETTINGS = {
  redirect_uris: 'redirectUris',
  post_logout_redirect_uris: 'postLogoutRedirectUris',
  grant_types: 'grantTypes',
  scopes: 'scopes',
  token_endpoint_auth_method: 'authMethod',
  id_token_signed_response_alg: 'idTokenSignedResponseAlg',
  skip_consent: 'skipConsent',
  jwks: 'jwks',
  jwks_uri: 'jwksUri',
  token_endpoint_auth_signing_alg: 'tokenEndpointAuthSigningAlg',
  require_pushed_authorization_requests: 'requirePushedAuthorizationRequests',
  dpop_bound_access_tokens: 'dpopBoundAccessTokens',
  require_signed_request_object: 'requireSignedRequestObject',
  request_object_signing_alg: 'requestObjectSigningAlg',
} as const
type Setting = keyof typeof SETTINGS
type Renamed<B> = { [K in Setting & keyof B as (typeof SETTINGS)[K]]?: Exclude<B[K], undefined> }

/** The members the body has, under the admin functions' names (an omitted member stays omitted). */
function renamedSettings<B extends Partial<Record<Setting, unknown>>>(body: B): Renamed<B> {
  const renamed: Record<string, unknown> = {}
  for (const [member, name] of Object.entries(SETTINGS)) {
    const value = body[member as Setting]
    if (value !== undefined) renamed[name] = value
  }
  return renamed as Renamed<B>
}

/** A change that would take a client out of the FAPI 2.0 profile: a 400 problem naming the member, nothing written. */
function refuseFapi2(violation: Fapi2Violation | undefined): void {
  if (violation) throw new AdminProblem(400, `${violation.problem}: the client is under the FAPI 2.0 Security Profile`, [{ pointer: `/${violation.member}`, detail: violation.problem }])
}

/** Whether the FAPI 2.0 profile binds `client`: the server runs it for everyone, or the client was registered under it. */
async function underFapi2(ctx: ServerContext, client: ClientRecord): Promise<boolean> {
  return ctx.config.profile === 'fapi2' || (await clientProfile(ctx.config.store, client, ctx.config.now())) === 'fapi2'
}

const list: AdminOperation = {
  id: 'listClients', method: 'GET', path: '/clients', scope: 'admin:clients:read',
  async handle({ ctx, query }) {
    const { limit, cursor } = pageOf(query)
    const q = textFilter(query, 'q')?.toLowerCase()
    const grantType = textFilter(query, 'grant_type')
    const registeredBy = textFilter(query, 'registered_by')
    const disabled = booleanFilter(query, 'disabled')
    const clients = (await ctx.config.store.clients.list()).filter((client) =>
      (q === undefined || client.client_id.toLowerCase().includes(q) || client.client_name.toLowerCase().includes(q))
      && (grantType === undefined || client.grant_types.includes(grantType))
      && (registeredBy === undefined || client.registered_by === registeredBy)
      && (disabled === undefined || client.disabled === disabled))
    const page = pageAfter(clients, (client) => client.client_id, limit, cursor)
    return json(200, { items: page.items.map(clientView), next_cursor: page.next_cursor })
  },
}

const create: AdminOperation = {
  id: 'createClient', method: 'POST', path: '/clients', scope: 'admin:clients:write',
  async handle({ ctx, request, admin, base }) {
    const body = bodyOf(request, ClientCreate)
    let input: NewClientInput = { name: body.client_name, ...(body.client_id !== undefined ? { clientId: body.client_id } : {}), ...renamedSettings(body) }
    // Under the server's FAPI 2.0 profile, what the body leaves open is set the profile's way, and what it
    // contradicts is refused — the rules of `client create --profile fapi2`.
    if (ctx.config.profile === 'fapi2') {
      input = fapi2ClientInput(input)
      refuseFapi2(fapi2InputViolation(input))
    }
    const { client, clientSecret } = await createClient(ctx.config.store, input, ctx.config.now(), admin)
    const location = `${base}/clients/${encodeURIComponent(client.client_id)}`
    // The secret is in this answer only: the store keeps its hash (or its sealed form for client_secret_jwt).
    return withTag(201, client, { client_secret: clientSecret ?? null }, { Location: location })
  },
}

const read: AdminOperation = {
  id: 'getClient', method: 'GET', path: '/clients/{client_id}', scope: 'admin:clients:read',
  async handle(call) {
    return withTag(200, await stored(call))
  },
}

const update: AdminOperation = {
  id: 'updateClient', method: 'PATCH', path: '/clients/{client_id}', scope: 'admin:clients:write',
  async handle(call) {
    const { ctx, request, admin } = call
    const body = bodyOf(request, ClientPatch)
    const current = await stored(call)
    checkIfMatch(request, etagOf(current))
    const changes: ClientChanges = {
      ...(body.client_name !== undefined ? { name: body.client_name } : {}),
      ...renamedSettings(body),
    }
    if (await underFapi2(ctx, current)) {
      const kept = <K extends keyof Fapi2Settings>(member: K): Fapi2Settings[K] => (body[member] !== undefined ? body[member] as Fapi2Settings[K] : current[member])
      refuseFapi2(fapi2ClientViolation({
        token_endpoint_auth_method: kept('token_endpoint_auth_method'),
        token_endpoint_auth_signing_alg: kept('token_endpoint_auth_signing_alg'),
        require_pushed_authorization_requests: kept('require_pushed_authorization_requests'),
        dpop_bound_access_tokens: kept('dpop_bound_access_tokens'),
        id_token_signed_response_alg: kept('id_token_signed_response_alg'),
        request_object_signing_alg: kept('request_object_signing_alg'),
      }))
    }
    const { disabled } = body
    let client: ClientRecord | undefined = current
    if (Object.keys(changes).length > 0) client = await updateClient(ctx.config.store, current.client_id, changes, admin)
    if (client && disabled !== undefined) client = await setClientDisabled(ctx.config.store, current.client_id, disabled, admin)
    if (!client) throw notFound('client')
    return withTag(200, client)
  },
}

const remove: AdminOperation = {
  id: 'deleteClient', method: 'DELETE', path: '/clients/{client_id}', scope: 'admin:clients:write',
  async handle({ ctx, params, admin }) {
    if (!(await deleteClient(ctx.config.store, params.client_id ?? '', admin))) throw notFound('client')
    return noContent()
  },
}

const rotateSecret: AdminOperation = {
  id: 'rotateClientSecret', method: 'POST', path: '/clients/{client_id}/secret', scope: 'admin:clients:write',
  async handle(call) {
    const { ctx, admin } = call
    const current = await stored(call)
    const secret = await rotateClientSecret(ctx.config.store, current.client_id, admin)
    if (secret === undefined) throw notFound('client')
    return json(200, { client_id: current.client_id, client_secret: secret })
  },
}

export const CLIENT_OPERATIONS: readonly AdminOperation[] = [list, create, read, update, remove, rotateSecret]
