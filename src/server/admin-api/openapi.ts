import { z } from 'zod'
import { ADMIN_SCOPES } from './scopes.js'
import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from './http.js'
import type { AdminOperation } from './operation.js'
import { REQUEST_SCHEMAS } from './schemas.js'

// The OpenAPI 3.1 document of /admin/v1, written as data. Request bodies are generated from the zod schemas
// that validate them (`z.toJSONSchema`), so the document cannot promise a body the server refuses or the
// reverse; responses are written here, each closed (`additionalProperties: false`), so a test that
// validates every answer against the document also catches a member leaking out (a secret's hash, say).

type Schema = Record<string, unknown>

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] })
const string: Schema = { type: 'string' }
const integer: Schema = { type: 'integer' }
const boolean: Schema = { type: 'boolean' }
const strings: Schema = { type: 'array', items: string }
const closed = (properties: Record<string, Schema>, optional: readonly string[] = []): Schema => ({
  type: 'object', properties, required: Object.keys(properties).filter((name) => !optional.includes(name)), additionalProperties: false,
})
const listOf = (item: Schema, paged: boolean): Schema => closed({ items: { type: 'array', items: item }, ...(paged ? { next_cursor: nullable(string) } : {}) })

const RESPONSE_SCHEMAS: Record<string, Schema> = {
  Problem: {
    type: 'object', description: 'RFC 9457 problem details',
    properties: {
      type: string, title: string, status: integer, detail: string,
      errors: { type: 'array', items: closed({ pointer: string, detail: string }) },
    },
    required: ['type', 'title', 'status', 'detail'], additionalProperties: false,
  },
  OAuthError: {
    type: 'object', description: 'RFC 6750 §3.1 error of a refused token (with the WWW-Authenticate challenge)',
    properties: { error: string, error_description: string }, required: ['error'], additionalProperties: false,
  },
  Client: closed({
    client_id: string, client_name: string, redirect_uris: strings, post_logout_redirect_uris: strings, grant_types: strings,
    scopes: strings, token_endpoint_auth_method: string, id_token_signed_response_alg: string, skip_consent: boolean,
    created_at: integer, application_type: { enum: ['web', 'native'] }, client_uri: nullable(string), logo_uri: nullable(string),
    policy_uri: nullable(string), tos_uri: nullable(string), contacts: strings,
    registered_by: { enum: ['operator', 'dynamic', 'metadata_document'] }, expires_at: nullable(integer),
    client_secret_expires_at: nullable(integer), disabled: boolean,
    jwks: nullable({ type: 'object', properties: { keys: { type: 'array', items: { type: 'object' } } }, required: ['keys'] }),
    jwks_uri: nullable(string), token_endpoint_auth_signing_alg: nullable(string),
    require_pushed_authorization_requests: boolean, dpop_bound_access_tokens: boolean,
    request_object_signing_alg: nullable(string), require_signed_request_object: boolean,
  }),
  ClientEnvelope: closed({ client: ref('Client') }),
  ClientCreated: closed({ client: ref('Client'), client_secret: { ...nullable(string), description: 'Shown only in this answer; null for public and private_key_jwt clients' } }),
  ClientList: listOf(ref('Client'), true),
  ClientSecret: closed({ client_id: string, client_secret: string }),
  User: closed({
    id: string, username: string, name: nullable(string), given_name: nullable(string), family_name: nullable(string),
    email: nullable(string), email_verified: boolean, picture: nullable(string), created_at: integer, updated_at: integer,
    mfa_enrolled: boolean, require_mfa: boolean, disabled: boolean,
  }),
  UserEnvelope: closed({ user: ref('User') }),
  UserList: listOf(ref('User'), true),
  SessionList: listOf(closed({ sid: string, auth_time: integer, created_at: integer, expires_at: integer }), false),
  RevokedSessions: closed({ revoked: strings }),
  ConsentList: listOf(closed({ client_id: string, scopes: strings, created_at: integer, updated_at: integer }), false),
  ConsentRevoked: closed({ consent_revoked: boolean, revoked_grants: integer }),
  GrantsRevoked: closed({ revoked_grants: integer }),
  KeyList: listOf(closed({
    kid: string, alg: string, created_at: integer, retired_at: nullable(integer), expires_at: nullable(integer), active: boolean,
    public_jwk: { type: 'object', properties: { kty: string }, required: ['kty'], not: { anyOf: [{ required: ['d'] }, { required: ['p'] }, { required: ['q'] }, { required: ['k'] }] } },
  }), false),
  KeysRotated: closed({ created: { type: 'array', items: closed({ kid: string, alg: string }) } }),
  AuditList: listOf(closed({
    id: string, type: string, time: integer, subject: nullable(string), client_id: nullable(string),
    details: { type: 'object', additionalProperties: { anyOf: [string, { type: 'number' }, boolean, { type: 'null' }, strings] } },
    expires_at: integer,
  }), true),
  InitialAccessTokenCreated: closed({ id: string, initial_access_token: { ...string, description: 'Shown only in this answer' }, expires_at: integer }),
  InitialAccessTokenList: listOf(closed({ id: string, created_at: integer, expires_at: integer }), false),
}

/** How each operation reads and answers, by `operationId`. */
interface Description {
  summary: string
  body?: keyof typeof REQUEST_SCHEMAS
  query?: readonly Parameter[]
  /** Status → schema name (undefined: no body). */
  ok: Readonly<Record<number, string | undefined>>
  etag?: boolean
  ifMatch?: boolean
  /** When the operation answers 409 without a body: why. */
  conflict?: string
}

interface Parameter {
  name: string
  schema: Schema
  description: string
  multiple?: boolean
}

const PAGE: readonly Parameter[] = [
  { name: 'limit', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }, description: `Page size (at most ${MAX_PAGE_SIZE}; more is a 400 problem)` },
  { name: 'cursor', schema: string, description: 'next_cursor of the previous page' },
]

const DESCRIPTIONS: Readonly<Record<string, Description>> = {
  listClients: {
    summary: 'List clients, ordered by client_id',
    query: [...PAGE,
      { name: 'q', schema: string, description: 'Part of the client_id or client_name (case-insensitive)' },
      { name: 'grant_type', schema: string, description: 'Clients registered for this grant type' },
      { name: 'registered_by', schema: { enum: ['operator', 'dynamic'] }, description: 'Who registered the client' },
      { name: 'disabled', schema: { enum: ['true', 'false'] }, description: 'Disabled clients only, or enabled ones only' }],
    ok: { 200: 'ClientList' },
  },
  createClient: { summary: 'Register a client (its secret is in this answer only)', body: 'ClientCreate', ok: { 201: 'ClientCreated' }, etag: true },
  getClient: { summary: 'Read a client', ok: { 200: 'ClientEnvelope' }, etag: true },
  updateClient: { summary: 'Change a client (If-Match required); `disabled` switches it off or on', body: 'ClientPatch', ok: { 200: 'ClientEnvelope' }, etag: true, ifMatch: true },
  deleteClient: { summary: 'Delete a client with its grants and consents', ok: { 204: undefined } },
  rotateClientSecret: { summary: 'Give a confidential client a new secret; the old one stops working at once', ok: { 200: 'ClientSecret' } },
  listUsers: {
    summary: 'List users, ordered by id',
    query: [...PAGE,
      { name: 'q', schema: string, description: 'Part of the username, name or e-mail address (case-insensitive)' },
      { name: 'disabled', schema: { enum: ['true', 'false'] }, description: 'Disabled users only, or enabled ones only' }],
    ok: { 200: 'UserList' },
  },
  createUser: { summary: 'Create a user', body: 'UserCreate', ok: { 201: 'UserEnvelope' }, etag: true },
  getUser: { summary: 'Read a user', ok: { 200: 'UserEnvelope' }, etag: true },
  updateUser: { summary: 'Change a user (If-Match required); a new password ends their sessions; `disabled: true` ends their sessions and grants, and they sign in nowhere until enabled', body: 'UserPatch', ok: { 200: 'UserEnvelope' }, etag: true, ifMatch: true },
  deleteUser: { summary: 'Delete a user with their sessions, grants and consents', ok: { 204: undefined } },
  listUserSessions: { summary: "The user's live login sessions", ok: { 200: 'SessionList' } },
  revokeUserSession: { summary: 'End one login session (back-channel logout is sent)', ok: { 204: undefined } },
  revokeUserSessions: { summary: 'End every login session of the user', ok: { 200: 'RevokedSessions' } },
  listUserConsents: { summary: "The clients the user consented to", ok: { 200: 'ConsentList' } },
  revokeUserConsent: { summary: 'Forget the consent and revoke every grant between the user and the client', ok: { 200: 'ConsentRevoked' } },
  revokeUserGrants: { summary: 'Revoke every grant of the user at every client', ok: { 200: 'GrantsRevoked' } },
  resetUserMfa: { summary: "Remove the user's second factor", ok: { 204: undefined } },
  sendUserPasswordReset: {
    summary: 'Send the user the password-reset mail of the login page (a new link; earlier ones die); the link is never in the answer',
    ok: { 202: undefined },
    conflict: 'The server sends no mail (no account capability with mail), or the user has no verified e-mail address',
  },
  listKeys: { summary: 'The signing keys (public parts)', ok: { 200: 'KeyList' } },
  rotateKeys: { summary: 'Rotate the signing keys; old ones stay published for a day', ok: { 200: 'KeysRotated' } },
  listAuditEvents: {
    summary: 'The audit trail, newest first',
    query: [...PAGE,
      { name: 'since', schema: string, description: 'Unix seconds or RFC 3339 date-time (inclusive)' },
      { name: 'until', schema: string, description: 'Unix seconds or RFC 3339 date-time (exclusive)' },
      { name: 'type', schema: string, description: 'Event type or family (login, token, client…); repeat or comma-separate', multiple: true },
      { name: 'user', schema: string, description: 'A username or user id' },
      { name: 'client', schema: string, description: 'A client id' }],
    ok: { 200: 'AuditList' },
  },
  createInitialAccessToken: { summary: 'An initial access token for dynamic registration (shown once)', body: 'InitialAccessTokenCreate', ok: { 201: 'InitialAccessTokenCreated' } },
  listInitialAccessTokens: { summary: 'Live, unused initial access tokens', ok: { 200: 'InitialAccessTokenList' } },
  revokeInitialAccessToken: { summary: 'Revoke an initial access token', ok: { 204: undefined } },
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } })
const challenge = (description: string) => ({
  description,
  headers: { 'WWW-Authenticate': { schema: string, description: 'RFC 6750 §3 challenge (and RFC 9449 §7 DPoP)' } },
  content: { 'application/json': { schema: ref('OAuthError') } },
})

function operationObject(operation: AdminOperation, description: Description): Record<string, unknown> {
  const pathParams = [...operation.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string', maxLength: 256 } }))
  const queryParams = (description.query ?? []).map((param) => ({
    name: param.name, in: 'query', required: false, description: param.description,
    schema: param.multiple ? { type: 'array', items: param.schema } : param.schema, ...(param.multiple ? { explode: true } : {}),
  }))
  const responses: Record<string, unknown> = {}
  for (const [status, schema] of Object.entries(description.ok)) {
    responses[status] = {
      description: description.summary,
      ...(description.etag ? { headers: { ETag: { schema: string, description: 'Pass as If-Match to change the record' } } } : {}),
      ...(schema !== undefined ? { content: { 'application/json': { schema: ref(schema) } } } : {}),
    }
  }
  responses['400'] = problem('Invalid parameters or body')
  responses['401'] = challenge('No access token, or not a valid one (a bare 401 with the challenge when none was sent)')
  const lacking = `The token lacks ${operation.scope} (or ${operation.scope.endsWith(':read') ? 'admin:read' : 'admin:write'})`
  const forbidden = challenge(`${lacking}: an RFC 6750 challenge; or it is the token of a user who is not an administrator: a problem, no challenge`)
  responses['403'] = { ...forbidden, content: { ...forbidden.content, ...problem('').content } }
  if (operation.path.includes('{')) responses['404'] = problem('No such object')
  if (description.conflict) responses['409'] = problem(description.conflict)
  if (description.body) {
    responses['409'] = problem('The object exists already')
    responses['415'] = problem('The body is not JSON')
  }
  if (description.ifMatch) {
    responses['412'] = problem('The record changed since it was read')
    responses['428'] = problem('If-Match is missing')
  }
  responses['503'] = problem('The store cannot be reached for now')
  return {
    operationId: operation.id,
    summary: description.summary,
    security: [{ oauth2: [operation.scope] }, { oauth2: [operation.scope.endsWith(':read') ? 'admin:read' : 'admin:write'] }],
    parameters: [...pathParams, ...queryParams, ...(description.ifMatch ? [{ name: 'If-Match', in: 'header', required: true, schema: string }] : [])],
    ...(description.body ? { requestBody: { required: description.body !== 'InitialAccessTokenCreate', content: { 'application/json': { schema: ref(description.body) } } } } : {}),
    responses,
  }
}

/** The JSON Schema of a request body from its zod schema, without its own `$schema` (the document sets the dialect). */
function requestSchema(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Schema
  return json
}

/**
 * The OpenAPI 3.1 document of the admin API served at `base` (`<issuer>/admin/v1`, or its own listener's
 * URL), served at `<base>/openapi.json`.
 *
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function openApiDocument(base: string, urls: { readonly authorization: string; readonly token: string }, operations: readonly AdminOperation[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const operation of operations) {
    const description = DESCRIPTIONS[operation.id]
    if (!description) throw new Error(`the admin API operation ${operation.id} has no description in openapi.ts`)
    const item = (paths[operation.path] ??= {})
    item[operation.method.toLowerCase()] = operationObject(operation, description)
  }
  paths['/openapi.json'] = {
    get: {
      operationId: 'getOpenApiDocument', summary: 'This document', security: [],
      responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } } } },
    },
  }
  const requestSchemas = Object.fromEntries(Object.entries(REQUEST_SCHEMAS).map(([name, schema]) => [name, requestSchema(schema)]))
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Tessera admin API', version: '1',
      description: 'Clients, users, sessions, consents, signing keys, the audit trail and registration tokens of a Tessera authorization server. Every call needs an access token of this server with an admin scope; errors are RFC 9457 problem details, refused tokens RFC 6750 challenges.',
    },
    servers: [{ url: base }],
    paths,
    components: {
      schemas: { ...RESPONSE_SCHEMAS, ...requestSchemas },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'Access tokens of this server (Bearer, or DPoP-bound with the DPoP scheme). admin:read grants every *:read scope, admin:write every *:write scope.',
          flows: {
            clientCredentials: { tokenUrl: urls.token, scopes: ADMIN_SCOPES },
            authorizationCode: { authorizationUrl: urls.authorization, tokenUrl: urls.token, scopes: ADMIN_SCOPES },
          },
        },
      },
    },
  }
}
