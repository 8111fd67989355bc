/**
 * The DPoP cases of catalogue wave 2 §19 at a resource server (DP-02, DP-04, DP-06), one table run over
 * loopback HTTP against every framework middleware by adapters.test.ts, on the routes of scenarios.ts and
 * a resource server configured with `dpop` (its external origin is the audience's, `http://127.0.0.1:6000`,
 * whatever port the test app listens on).
 */
import type { Expectation, ScenarioRequest } from './scenarios.js'
import { dpopProof, type DpopKey, type ProofOptions } from '../helpers/dpop.js'

export const EXTERNAL = 'http://127.0.0.1:6000'
const NOTES = `${EXTERNAL}/api/notes`

export interface DpopTokens {
  K1: DpopKey
  K2: DpopKey
  /** `notes:read`, bound to K1 (`cnf.jkt`). */
  bound: string
  /** `notes:read`, not bound. */
  unbound: string
}

export interface DpopScenario {
  name: string
  request: (t: DpopTokens) => Promise<ScenarioRequest>
  expect: Expectation
}

const METADATA = 'resource_metadata="http://127\\.0\\.0\\.1:6000/\\.well-known/oauth-protected-resource/api"'
const ALGS = 'algs="ES256 EdDSA PS256 RS256"'
const DPOP_PART = (error?: string) => `DPoP realm="notes"${error ? `, error="${error}"(, error_description="[^"]*")?` : ''}, scope="notes:read", ${ALGS}`
/** RFC 9449 §7.1: the error of a DPoP request goes into the DPoP challenge, beside a plain Bearer one. */
const dpopError = (error: string): RegExp => new RegExp(`^Bearer realm="notes", scope="notes:read", ${METADATA}, ${DPOP_PART(error)}$`)
const bearerError = (error: string): RegExp => new RegExp(`^Bearer realm="notes", error="${error}"(, error_description="[^"]*")?, scope="notes:read", ${METADATA}, ${DPOP_PART()}$`)

const get = (token: string, scheme: string, proofs: string[], path = '/api/notes', extra: [string, string][] = []): ScenarioRequest => ({
  method: 'GET',
  path,
  headers: [['authorization', `${scheme} ${token}`], ...proofs.map((proof): [string, string] => ['dpop', proof]), ...extra],
})
const proof = (key: DpopKey, token: string, options: Partial<ProofOptions> = {}) => dpopProof(key, { htm: 'GET', htu: NOTES, accessToken: token, ...options })

export const dpopScenarios: DpopScenario[] = [
  { name: 'DP-06 no credentials: both challenges', request: async () => ({ method: 'GET', path: '/api/notes' }), expect: { status: 401, challenge: new RegExp(`^Bearer realm="notes", scope="notes:read", ${METADATA}, ${DPOP_PART()}$`) } },
  { name: 'DP-06 bound token under DPoP with a valid proof', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound)]), expect: { status: 200, challenge: null, json: { subject: 'alice' } } },
  { name: 'DP-06 bound token as Bearer', request: async (t) => get(t.bound, 'Bearer', []), expect: { status: 401, challenge: bearerError('invalid_token') } },
  { name: 'DP-06 bound token as Bearer with a valid proof', request: async (t) => get(t.bound, 'Bearer', [await proof(t.K1, t.bound)]), expect: { status: 401, challenge: bearerError('invalid_token') } },
  { name: 'DP-06 DPoP scheme without a proof', request: async (t) => get(t.bound, 'DPoP', []), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-06 bound token in the query', request: async (t) => ({ method: 'GET', path: `/api/notes?access_token=${t.bound}` }), expect: { status: 401, challenge: new RegExp(`^Bearer realm="notes", scope="notes:read", ${METADATA}, ${DPOP_PART()}$`) } },
  { name: 'DP-06 unbound token under DPoP is never taken for bound', request: async (t) => get(t.unbound, 'DPoP', [await proof(t.K1, t.unbound)]), expect: { status: 401, challenge: dpopError('invalid_token') } },
  { name: 'DP-06 unbound token as Bearer still works', request: async (t) => get(t.unbound, 'Bearer', []), expect: { status: 200, challenge: null } },
  { name: 'DP-02 proof made for POST /token', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { htm: 'POST', htu: `${EXTERNAL}/token` })]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-02 htm GET vs a POST', request: async (t) => ({ ...get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { htu: `${EXTERNAL}/api/read` })], '/api/read'), method: 'POST' }), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-02 htu of another path', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { htu: `${EXTERNAL}/api/y` })]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-02 https instead of http', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { htu: NOTES.replace('http:', 'https:') })]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-02 another port', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { htu: 'http://127.0.0.1:6001/api/notes' })]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  {
    name: 'DP-02 Host and X-Forwarded-Host cannot make a foreign proof match',
    request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { htu: 'http://other-rs.test/api/notes' })], '/api/notes', [['host', 'other-rs.test'], ['x-forwarded-host', 'other-rs.test']]),
    expect: { status: 401, challenge: dpopError('invalid_dpop_proof') },
  },
  { name: 'DP-02 the request query is ignored', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound)], '/api/notes?page=2'), expect: { status: 200, challenge: null } },
  { name: 'DP-02 htu with query and fragment is accepted', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { htu: `${NOTES}?a=1#f` })]), expect: { status: 200, challenge: null } },
  { name: 'DP-02 percent-encoded unreserved characters are normalised', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { htu: `${EXTERNAL}/api/not%65s` })]), expect: { status: 200, challenge: null } },
  { name: 'DP-04 proof by K2 for a token bound to K1', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K2, t.bound)]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-04 signed by K2, jwk of K1', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K2, t.bound, { header: { jwk: t.K1.publicJwk } })]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-04 typ JWT', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { header: { typ: 'JWT' } })]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-04 no ath', request: async (t) => get(t.bound, 'DPoP', [await dpopProof(t.K1, { htm: 'GET', htu: NOTES })]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-04 ath of another token', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.unbound)]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  { name: 'DP-04 two DPoP headers', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound), await proof(t.K1, t.bound)]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
  {
    name: 'DP-06 RFC 9728 metadata names the DPoP algorithms',
    request: async () => ({ method: 'GET', path: '/.well-known/oauth-protected-resource/api' }),
    expect: { status: 200, challenge: null, json: { resource: 'http://127.0.0.1:6000/api', dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'PS256', 'RS256'] } },
  },
  { name: 'DP-04 iat ten minutes old', request: async (t) => get(t.bound, 'DPoP', [await proof(t.K1, t.bound, { iat: Math.floor(Date.now() / 1000) - 600 })]), expect: { status: 401, challenge: dpopError('invalid_dpop_proof') } },
]
