import * as oauth from 'oauth4webapi'
import { providerStep, toClientError } from './http.js'
import type { Provider } from './registry.js'

/**
 * A session's DPoP key pair (RFC 9449) as it is kept at rest: JWKs inside the sealed transaction and
 * session records, never in a cookie. Sealing the private JWK with the app secret is what lets every
 * store (memory, SQLite, PostgreSQL, Redis) hold it and every instance of the app use it: a
 * non-extractable `CryptoKey` cannot leave the process, so a process-local map would force a new login
 * whenever a request lands on another instance or the process restarts. In use, the private key is
 * imported non-extractable (`dpopHandle`), so the live key cannot be exported from the running app.
 */
export interface DpopKey {
  readonly privateJwk: JsonWebKey
  readonly publicJwk: JsonWebKey
}

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const

/** A fresh ES256 key pair for one login (RFC 9449 §2: the client's key, bound to its tokens). */
export async function generateDpopKey(): Promise<DpopKey> {
  // Extractable only here, once, so that it can be sealed; see DpopKey.
  const pair = await crypto.subtle.generateKey(ES256, true, ['sign', 'verify'])
  return { privateJwk: await crypto.subtle.exportKey('jwk', pair.privateKey), publicJwk: await crypto.subtle.exportKey('jwk', pair.publicKey) }
}

/** oauth4webapi's proof signer over the stored key, the private half imported non-extractable. */
export async function dpopHandle(provider: Provider, key: DpopKey): Promise<oauth.DPoPHandle> {
  const privateKey = await crypto.subtle.importKey('jwk', key.privateJwk, ES256, false, ['sign'])
  // oauth4webapi puts the public JWK into each proof's header, so that half must be exportable.
  const publicKey = await crypto.subtle.importKey('jwk', key.publicJwk, ES256, true, ['verify'])
  return oauth.DPoP(provider.client, { privateKey, publicKey })
}

/** `{ DPoP: handle }` for oauth4webapi's request options, or nothing for a provider without DPoP. */
export function dpopOption(handle: oauth.DPoPHandle | undefined): { DPoP?: oauth.DPoPHandle } {
  return handle ? { DPoP: handle } : {}
}

/**
 * One request and its validation, sent again once when the server answers `use_dpop_nonce` (RFC 9449 §8,
 * §9): the handle has kept the `DPoP-Nonce` of that answer, so the second proof carries it. Failures are
 * `ClientError`s of the `<step> request` / `<step> response` steps.
 */
export async function roundTrip<T>(step: string, dpop: oauth.DPoPHandle | undefined, send: () => Promise<Response>, check: (response: Response) => Promise<T>): Promise<{ response: Response; result: T }> {
  for (let attempt = 0; ; attempt++) {
    const response = await providerStep(`${step} request`, send)
    try {
      return { response, result: await check(response) }
    } catch (error) {
      if (dpop && attempt === 0 && oauth.isDPoPNonceError(error)) continue
      throw toClientError(error, `${step} response`)
    }
  }
}
