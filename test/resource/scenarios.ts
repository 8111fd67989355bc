/**
 * One table of bearer-protection cases (catalogue §8), run over loopback HTTP against every framework
 * middleware by adapters.test.ts. Each app mounts the same routes:
 *   GET  /api/notes   requireScopes('notes:read')  → 200 { subject, clientId, scopes, actor }
 *   POST /api/notes   requireScopes('notes:write') → 201 { subject }
 *   POST /api/read    requireScopes('notes:read')  → 200 { subject, note } (`note` read from the form body by the route)
 *   GET  <rs.metadataPath>                         → RFC 9728 metadata
 * Some apps put the /api routes on a router mounted at /api (the answers must not change: DPoP's `htu`
 * and the query are read from the whole path), and some answer refusals through the framework's error
 * handling (Express: `next(err)` and an error handler). The resource server is configured without
 * `resourceMetadataUrl`: challenges carry the derived one. Each case is `{ name, request, expect }`;
 * `scenarioTokens` mints what the cases send and `sendScenario` sends one.
 */
import { request as httpRequest } from 'node:http'
import { accessToken, claims, generateKey, nowSeconds, segment, type TestKey } from './fixtures.js'

/** Tokens minted per run by the test (they carry the fake issuer's URL and fresh times). */
export interface ScenarioTokens {
  /** `notes:read`, valid. */
  read: string
  /** `notes:read notes:write`, valid. */
  write: string
  expired: string
  wrongAudience: string
  algNone: string
  /** Signed by a key that is not in the JWKS. */
  foreignKey: string
  /** `notes:read` with `acr` urn:tessera:mfa and a recent `auth_time` (RFC 9470 §5). */
  mfa: string
  /** `notes:read` from a token exchange: `act` names svc-b acting for svc-a (RFC 8693 §4.1). */
  delegated: string
}

/** The tokens of the table for the fake issuer at `issuer`, signed by `key` (the one its JWKS serves). */
export function scenarioTokens(key: TestKey, issuer: string): ScenarioTokens {
  const foreign = generateKey('ES256')
  return {
    read: accessToken(key, issuer),
    write: accessToken(key, issuer, { scope: 'notes:read notes:write' }),
    expired: accessToken(key, issuer, { iat: nowSeconds() - 3600, exp: nowSeconds() - 600 }),
    wrongAudience: accessToken(key, issuer, { aud: 'http://127.0.0.1:7000/api' }),
    algNone: `${segment({ alg: 'none', typ: 'at+jwt' })}.${segment(claims(issuer))}.`,
    foreignKey: accessToken(foreign, issuer, {}, { kid: key.kid }),
    mfa: accessToken(key, issuer, { acr: 'urn:tessera:mfa', auth_time: nowSeconds() - 10 }),
    delegated: accessToken(key, issuer, { client_id: 'svc-b', act: { sub: 'svc-b', client_id: 'svc-b', act: { sub: 'svc-a' } } }),
  }
}

export interface ScenarioRequest {
  method: 'GET' | 'POST'
  path: string
  /** Pairs, so a header can be sent twice. */
  headers?: [string, string][]
  body?: string
}

/** What the answer must be, whichever framework gave it. */
export interface Expectation {
  status: number
  /** Pattern for `WWW-Authenticate`; `null` when the response must not have one. */
  challenge: RegExp | null
  /** Members the JSON body must have. */
  json?: Record<string, unknown>
}

/** An answer as the wire had it: Node's lower-case header names, the body as text. */
export interface ScenarioAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A request to send as it is: headers as pairs (a name may repeat) or a record, the body as text or bytes. */
export interface RawRequest {
  method: string
  path: string
  headers?: [string, string][] | Record<string, string>
  body?: string | Uint8Array
}

/**
 * node:http rather than fetch, so that a header can be sent twice as two lines and nothing is added or
 * normalised; the server may answer (413) and close before the whole body is written.
 */
export function sendScenario(base: string, scenario: RawRequest): Promise<ScenarioAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Array.isArray(scenario.headers) ? scenario.headers : Object.entries(scenario.headers ?? {})) {
      const existing = headers[name]
      headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value]
    }
    const body = scenario.body === undefined ? undefined : Buffer.from(scenario.body)
    if (body) headers['content-length'] = String(body.length)
    const req = httpRequest(new URL(scenario.path, base), { method: scenario.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

export interface Scenario {
  name: string
  request: (tokens: ScenarioTokens) => ScenarioRequest
  expect: Expectation
}

const FORM: [string, string] = ['content-type', 'application/x-www-form-urlencoded']
const auth = (value: string): [string, string] => ['authorization', value]

/** RFC 9728 §5.1, derived from the audience `http://127.0.0.1:6000/api` (RFC 9728 §3.1 path insertion). */
const METADATA = 'resource_metadata="http://127\\.0\\.0\\.1:6000/\\.well-known/oauth-protected-resource/api"'
/** The route's scopes, which a 401 announces (RFC 6750 §3); a 400 is about the request's form and does not. */
const READ = ', scope="notes:read"'
const NO_ERROR = new RegExp(`^Bearer realm="notes"${READ}, ${METADATA}$`)
const challengeWith = (error: string, scope = ''): RegExp => new RegExp(`^Bearer realm="notes", error="${error}"(, error_description="[^"]*")?${scope}, ${METADATA}$`)
const INVALID_TOKEN = challengeWith('invalid_token', READ)
const INVALID_REQUEST = challengeWith('invalid_request')

export const scenarios: Scenario[] = [
  {
    name: 'MF-10 step-up route, token without acr',
    request: (t) => ({ method: 'GET', path: '/api/step-up', headers: [auth(`Bearer ${t.read}`)] }),
    expect: { status: 401, challenge: /^Bearer realm="notes", error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:tessera:mfa", max_age="300", resource_metadata=/ },
  },
  { name: 'MF-10 step-up route, recent two-factor token', request: (t) => ({ method: 'GET', path: '/api/step-up', headers: [auth(`Bearer ${t.mfa}`)] }), expect: { status: 200, challenge: null, json: { subject: 'alice' } } },
  { name: 'RS-01 no credentials', request: () => ({ method: 'GET', path: '/api/notes' }), expect: { status: 401, challenge: NO_ERROR } },
  ...['Bearer', 'bearer', 'BEARER'].map((scheme): Scenario => ({
    name: `RS-02 valid token, scheme "${scheme}"`,
    request: (t) => ({ method: 'GET', path: '/api/notes', headers: [auth(`${scheme} ${t.read}`)] }),
    expect: { status: 200, challenge: null, json: { subject: 'alice', clientId: 'app', scopes: ['notes:read'] } },
  })),
  {
    name: 'RFC 8693 §4.1 the actor chain reaches the route as principal.actor',
    request: (t) => ({ method: 'GET', path: '/api/notes', headers: [auth(`Bearer ${t.delegated}`)] }),
    expect: { status: 200, challenge: null, json: { subject: 'alice', actor: { subject: 'svc-b', clientId: 'svc-b', actor: { subject: 'svc-a' } } } },
  },
  { name: 'RS-03 "Bearer" without a token', request: () => ({ method: 'GET', path: '/api/notes', headers: [auth('Bearer')] }), expect: { status: 400, challenge: INVALID_REQUEST } },
  { name: 'RS-03 "Bearer a b"', request: () => ({ method: 'GET', path: '/api/notes', headers: [auth('Bearer a b')] }), expect: { status: 401, challenge: INVALID_TOKEN } },
  { name: 'RS-03 token with quotes', request: () => ({ method: 'GET', path: '/api/notes', headers: [auth('Bearer "abc"')] }), expect: { status: 401, challenge: INVALID_TOKEN } },
  { name: 'RS-03 Basic scheme', request: () => ({ method: 'GET', path: '/api/notes', headers: [auth('Basic YWxpY2U6c2VjcmV0')] }), expect: { status: 400, challenge: INVALID_REQUEST } },
  {
    name: 'RS-03 two Authorization headers',
    request: (t) => ({ method: 'GET', path: '/api/notes', headers: [auth(`Bearer ${t.read}`), auth(`Bearer ${t.read}`)] }),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  { name: 'RS-03 12 KB token', request: () => ({ method: 'GET', path: '/api/notes', headers: [auth(`Bearer ${'a'.repeat(12_000)}`)] }), expect: { status: 401, challenge: INVALID_TOKEN } },
  // Node's HTTP parser stops a 100 KB header (16 KB limit) before any framework code: 431, never 500.
  { name: 'RS-03 100 KB token', request: () => ({ method: 'GET', path: '/api/notes', headers: [auth(`Bearer ${'a'.repeat(100_000)}`)] }), expect: { status: 431, challenge: null } },
  {
    name: 'RS-04 header and query',
    request: (t) => ({ method: 'GET', path: `/api/notes?access_token=${t.read}`, headers: [auth(`Bearer ${t.read}`)] }),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  {
    name: 'RS-04 header and form body',
    request: (t) => ({ method: 'POST', path: '/api/read', headers: [auth(`Bearer ${t.read}`), FORM], body: `access_token=${t.read}&note=hi` }),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  { name: 'RS-04 query only', request: (t) => ({ method: 'GET', path: `/api/notes?access_token=${t.read}` }), expect: { status: 401, challenge: NO_ERROR } },
  {
    name: 'RS-04 form body only, still readable by the route',
    request: (t) => ({ method: 'POST', path: '/api/read', headers: [FORM], body: `access_token=${t.read}&note=hi` }),
    expect: { status: 200, challenge: null, json: { subject: 'alice', note: 'hi' } },
  },
  {
    name: 'RS-04 repeated access_token in the body',
    request: (t) => ({ method: 'POST', path: '/api/read', headers: [FORM], body: `access_token=${t.read}&access_token=${t.read}` }),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  { name: 'RS-05 expired token', request: (t) => ({ method: 'GET', path: '/api/notes', headers: [auth(`Bearer ${t.expired}`)] }), expect: { status: 401, challenge: INVALID_TOKEN } },
  { name: 'RS-06 token for another audience', request: (t) => ({ method: 'GET', path: '/api/notes', headers: [auth(`Bearer ${t.wrongAudience}`)] }), expect: { status: 401, challenge: INVALID_TOKEN } },
  {
    name: 'RS-07 token without the needed scope',
    request: (t) => ({ method: 'POST', path: '/api/notes', headers: [auth(`Bearer ${t.read}`)] }),
    expect: { status: 403, challenge: challengeWith('insufficient_scope', ', scope="notes:write"'), json: { error: 'insufficient_scope' } },
  },
  { name: 'RS-07 token with the needed scope', request: (t) => ({ method: 'POST', path: '/api/notes', headers: [auth(`Bearer ${t.write}`)] }), expect: { status: 201, challenge: null } },
  { name: 'RS-08 alg none', request: (t) => ({ method: 'GET', path: '/api/notes', headers: [auth(`Bearer ${t.algNone}`)] }), expect: { status: 401, challenge: INVALID_TOKEN } },
  { name: 'RS-13 foreign key', request: (t) => ({ method: 'GET', path: '/api/notes', headers: [auth(`Bearer ${t.foreignKey}`)] }), expect: { status: 401, challenge: INVALID_TOKEN } },
  {
    name: 'RFC 9728 metadata',
    request: () => ({ method: 'GET', path: '/.well-known/oauth-protected-resource/api' }),
    expect: { status: 200, challenge: null, json: { resource: 'http://127.0.0.1:6000/api', bearer_methods_supported: ['header', 'body'] } },
  },
]
