import type { BackchannelLogoutClientMetadata } from '../../protocol/oidc-backchannel-logout/client-metadata.js'
import type { RecordKind, RecordStore } from '../../storage/types.js'

/**
 * A client's back-channel logout registration (Back-Channel Logout §2.2), kept beside the client in the
 * record store (deleted with it) so the client tables and every backend stay as they are.
 */
export const CLIENT_BACKCHANNEL_LOGOUT: RecordKind<BackchannelLogoutSettings> = { name: 'client-backchannel-logout', durable: true }

/** A registered `backchannel_logout_uri` and whether the client needs `sid`. */
export interface BackchannelLogoutSettings {
  backchannel_logout_uri: string
  backchannel_logout_session_required: boolean
}

/**
 * §2.3 "Remembering Logged-In RPs": a client with a back-channel URI was issued a code in a provider
 * session. Keyed `<sid> <client_id>`, the user as subject (listed when the user's sessions end), the
 * client as owner (gone with the client), living as long as a session can.
 */
export interface SessionClient {
  sid: string
  client_id: string
}

export const SESSION_CLIENT: RecordKind<SessionClient> = { name: 'backchannel-session-client' }

const NEVER = 253402300799

/** The client's back-channel logout registration, or undefined when it has none. */
export async function clientBackchannelLogout(records: RecordStore, clientId: string, now: number): Promise<BackchannelLogoutSettings | undefined> {
  return (await records.get(CLIENT_BACKCHANNEL_LOGOUT, clientId, now))?.value
}

/**
 * Sets where the client receives logout tokens, or with a null URI removes it (the client receives none).
 *
 * @example await setClientBackchannelLogout(store, 'notes', { backchannel_logout_uri: 'https://notes.example/bcl', backchannel_logout_session_required: true })
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration
 */
export async function setClientBackchannelLogout(store: { readonly records: RecordStore }, clientId: string, metadata: BackchannelLogoutClientMetadata): Promise<void> {
  if (metadata.backchannel_logout_uri === null) return store.records.delete(CLIENT_BACKCHANNEL_LOGOUT, clientId)
  const value: BackchannelLogoutSettings = {
    backchannel_logout_uri: metadata.backchannel_logout_uri,
    backchannel_logout_session_required: metadata.backchannel_logout_session_required,
  }
  await store.records.put(CLIENT_BACKCHANNEL_LOGOUT, { key: clientId, value, expiresAt: NEVER, clientId }, { replace: true })
}

/** The registration as metadata members (RFC 7591 §3.2.1 client information), empty when there is none. */
export async function backchannelLogoutInformation(records: RecordStore, clientId: string, now: number): Promise<Record<string, unknown>> {
  const settings = await clientBackchannelLogout(records, clientId, now)
  return settings ? { ...settings } : {}
}
