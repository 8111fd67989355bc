import { inspectPublicJwk } from '../jwt/inspect-jwk.js'
import { doctorFetch, fetchProblem } from './fetch.js'
import type { CheckResult, DoctorOptions } from './types.js'

/**
 * The checks on a key set's contents (pure but for jose's key import): each key a usable public key, and
 * `kid`s that tell the keys apart. `subject` is the `jwks_uri`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export async function evaluateJwks(jwksUri: string, body: unknown): Promise<CheckResult[]> {
  const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { keys?: unknown }).keys : undefined
  if (!Array.isArray(keys)) {
    return [{ id: 'as.jwks', status: 'fail', subject: jwksUri, message: `${jwksUri} is not a JSON Web Key Set (no "keys" array)`, fix: 'serve {"keys": [...]} with the public signing keys at jwks_uri', spec: 'RFC 7517 §5' }]
  }
  if (keys.length === 0) {
    return [{ id: 'as.jwks', status: 'fail', subject: jwksUri, message: `${jwksUri} holds no keys: no signature can be verified`, fix: 'publish the public signing keys at jwks_uri', spec: 'RFC 7517 §5' }]
  }
  const results: CheckResult[] = [{ id: 'as.jwks', status: 'pass', subject: jwksUri, message: `${jwksUri} serves ${keys.length} key(s)`, spec: 'RFC 7517 §5' }]
  const kids = new Map<string, number>()
  for (const [index, key] of keys.entries()) {
    const inspection = await inspectPublicJwk(key)
    const name = inspection.kid !== undefined ? `key ${inspection.kid}` : `key #${index + 1}`
    if (inspection.kid !== undefined) kids.set(inspection.kid, (kids.get(inspection.kid) ?? 0) + 1)
    if (inspection.problems.length === 0) {
      const what = [inspection.kty, inspection.alg, inspection.use].filter(Boolean).join(', ')
      results.push({ id: 'as.jwks-key', status: 'pass', subject: jwksUri, message: `${name} (${what}) is a usable public key`, spec: 'RFC 7517 §4' })
      continue
    }
    const leaked = inspection.problems.some((problem) => problem.includes('private') || problem.includes('symmetric'))
    results.push({
      id: 'as.jwks-key', status: 'fail', subject: jwksUri,
      message: `${name} ${inspection.problems.join('; ')}`,
      fix: leaked
        ? `remove the private members from ${name} at once and rotate it (tessera-oidc keys rotate): every holder of this key set can sign tokens`
        : `replace ${name} with a public RSA (2048+ bits), EC or Ed25519 signing key whose alg matches it`,
      spec: 'RFC 7517 §4, RFC 7518 §6',
    })
  }
  const duplicates = [...kids].filter(([, count]) => count > 1).map(([kid]) => kid)
  if (duplicates.length > 0) {
    results.push({ id: 'as.jwks-kid', status: 'warn', subject: jwksUri, message: `kid ${duplicates.join(', ')} names more than one key: verifiers may pick the wrong one`, fix: 'give every key its own kid (the RFC 7638 thumbprint is a good choice)', spec: 'RFC 7517 §4.5' })
  } else if (keys.length > 1 && kids.size < keys.length) {
    results.push({ id: 'as.jwks-kid', status: 'warn', subject: jwksUri, message: 'some keys have no kid: with several keys, verifiers cannot tell which one signed a token', fix: 'give every key a kid', spec: 'RFC 7517 §4.5' })
  }
  return results
}

/**
 * `jwks_uri` reachable and every key in it usable. A server that advertises none gets a warning: its
 * signed tokens (ID tokens, JWT access tokens) cannot be verified by anyone.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export async function checkJwks(issuer: string, document: Readonly<Record<string, unknown>>, options: DoctorOptions): Promise<CheckResult[]> {
  const jwksUri = document.jwks_uri
  if (typeof jwksUri !== 'string') {
    return [{ id: 'as.jwks', status: 'warn', subject: issuer, message: 'no jwks_uri: ID tokens and JWT access tokens cannot be verified', fix: 'publish the signing keys and set jwks_uri to their URL', spec: 'RFC 8414 §2' }]
  }
  const fetched = await doctorFetch(jwksUri, {}, options)
  const problem = fetchProblem(fetched)
  if (problem !== undefined || fetched.kind !== 'response') {
    return [{ id: 'as.jwks', status: 'fail', subject: jwksUri, message: `the key set is unreachable: ${problem ?? ''}`, fix: `serve the key set at ${jwksUri}, or set jwks_uri to where it is served`, spec: 'RFC 8414 §2' }]
  }
  if (fetched.json === undefined) {
    return [{ id: 'as.jwks', status: 'fail', subject: jwksUri, message: `${jwksUri} did not answer JSON`, fix: `serve the key set at ${jwksUri} as application/json`, spec: 'RFC 7517 §5' }]
  }
  return evaluateJwks(jwksUri, fetched.json)
}
