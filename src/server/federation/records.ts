import type { BrokerLogin } from '../../client/broker.js'
import type { RecordKind, RecordStore } from '../../storage/types.js'

/**
 * A pending sign-in at an upstream provider, keyed by SHA-256 of the `state` sent there. It is bound to
 * the upstream it was started for (the callback of another upstream finds it and refuses it: mix-up,
 * RFC 9700 §4.4, catalogue FD-05) and to the browser that started it (the hash of Tessera's browser
 * cookie: a callback opened in another browser is refused, FD-04). A link is also bound to the login
 * session and user that asked for it (FD-03).
 */
export interface UpstreamLogin {
  upstream: string
  purpose: 'login' | 'link'
  browser_binding_hash: string
  /** The pending authorization request the user signs in for (`login`). */
  interaction_id: string | null
  /** The session and user that asked to link (`link`). */
  session_id_hash: string | null
  user_id: string | null
  /** Where a link returns to: a path on this server. */
  return_to: string | null
  /** `state`, `nonce`, PKCE verifier and redirect URI: the secrets the callback is checked with. */
  login: BrokerLogin
}

/** Pending upstream sign-ins: short-lived, single use. */
export const UPSTREAM_LOGIN: RecordKind<UpstreamLogin> = { name: 'upstream-login' }

/** Which upstreams a client's login page offers; absent: every configured one. */
export interface ClientUpstreams {
  upstreams: string[]
}

/** A client's allow-list of upstream providers, kept with the client (deleted with it). */
export const CLIENT_UPSTREAMS: RecordKind<ClientUpstreams> = { name: 'client-upstreams', durable: true }

const NEVER = 253402300799

/** The client's allow-list, or undefined when it has none (every upstream is offered). */
export async function clientUpstreams(records: RecordStore, clientId: string, now: number): Promise<string[] | undefined> {
  return (await records.get(CLIENT_UPSTREAMS, clientId, now))?.value.upstreams
}

/**
 * Sets which upstream providers a client's login page offers (an empty list: none), or with `null`
 * removes the list so that every configured upstream is offered.
 *
 * @example await setClientUpstreams(store, 'notes', ['google'])
 */
export async function setClientUpstreams(store: { readonly records: RecordStore }, clientId: string, upstreams: readonly string[] | null): Promise<void> {
  if (upstreams === null) return store.records.delete(CLIENT_UPSTREAMS, clientId)
  const value = { upstreams: [...new Set(upstreams)] }
  await store.records.put(CLIENT_UPSTREAMS, { key: clientId, value, expiresAt: NEVER, clientId }, { replace: true })
}
