import type * as SimpleWebAuthn from '@simplewebauthn/server'
import type {
  AuthenticationResponseJSON, AuthenticatorTransportFuture, PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON,
} from '@simplewebauthn/server'
import type { PasskeyCredential } from '../../storage/kinds/passkeys.js'
import type { UserRecord } from '../../storage/types.js'
import type { PasskeyFailure } from './audit-events.js'
import { CEREMONY_TIMEOUT_MS, type PasskeyChallenge } from './challenges.js'
import type { RelyingParty, ResolvedPasskeyOptions } from './options.js'

/*
 * The two WebAuthn ceremonies on the server side. @simplewebauthn/server checks type, challenge, origin,
 * rpIdHash, the UP/UV flags, the signature and the counter; the checks it leaves to the relying party are
 * here: crossOrigin/topOrigin, the credential id's length, the credential's owner and userHandle, the
 * backup-eligibility flag, and the counter once more, to tell the operator why (catalogue MF-04 to MF-06).
 */

// Loaded on the first ceremony: the library and its ASN.1/CBOR stack take about a second to import, which
// every CLI command and server start would otherwise pay (the CLI's registry names every capability).
let library: Promise<typeof SimpleWebAuthn> | undefined
function webauthn(): Promise<typeof SimpleWebAuthn> {
  library ??= import('@simplewebauthn/server')
  return library
}

/** WebAuthn §7.1 step 23 (Level 3): a credential id longer than 1,023 bytes is refused. */
const MAX_CREDENTIAL_ID_BYTES = 1023

/** The WebAuthn user handle of a local user: the user id's bytes (opaque, no personal data, §14.6.1). */
export function userHandle(user: Pick<UserRecord, 'id'>): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(user.id, 'utf8'))
}

/** Options for `navigator.credentials.create`: a resident key (a passkey), no attestation. */
export async function registrationOptions(rp: RelyingParty, options: ResolvedPasskeyOptions, user: UserRecord, existing: readonly PasskeyCredential[], challenge: PasskeyChallenge): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { generateRegistrationOptions } = await webauthn()
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: userHandle(user),
    userDisplayName: user.name ?? user.username,
    challenge: Buffer.from(challenge.challenge, 'base64url'),
    timeout: CEREMONY_TIMEOUT_MS,
    // Tessera keeps no attestation trust store, so it asks for none rather than collect what it cannot judge.
    attestationType: 'none',
    excludeCredentials: existing.map((credential) => ({ id: credential.credential_id, transports: credential.transports as AuthenticatorTransportFuture[] })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: challenge.user_verification ? 'required' : 'preferred' },
    supportedAlgorithmIDs: [...options.algorithms],
  })
}

/** Options for `navigator.credentials.get`: `allowCredentials` empty for a discoverable sign-in (§5.1.4.1). */
export async function authenticationOptions(rp: RelyingParty, challenge: PasskeyChallenge, allow: readonly PasskeyCredential[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await webauthn()
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: Buffer.from(challenge.challenge, 'base64url'),
    timeout: CEREMONY_TIMEOUT_MS,
    allowCredentials: allow.map((credential) => ({ id: credential.credential_id, transports: credential.transports as AuthenticatorTransportFuture[] })),
    userVerification: challenge.user_verification ? 'required' : 'preferred',
  })
}

export type CeremonyResult<T> = { ok: true; value: T } | { ok: false; reason: PasskeyFailure; credentialId?: string }

interface ClientData {
  crossOrigin?: unknown
  topOrigin?: unknown
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A posted credential in the JSON shape of WebAuthn §5.1 `toJSON()`, with its id and rawId equal. */
function credentialJson(posted: string | undefined): { id: string; response: Record<string, unknown>; raw: Record<string, unknown> } | undefined {
  if (posted === undefined || posted.length > 64_000) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(posted)
  } catch {
    return undefined
  }
  if (!isRecord(parsed) || typeof parsed.id !== 'string' || parsed.rawId !== parsed.id || parsed.type !== 'public-key' || !isRecord(parsed.response)) return undefined
  if (!/^[A-Za-z0-9_-]+$/.test(parsed.id)) return undefined
  if (!isRecord(parsed.clientExtensionResults)) parsed.clientExtensionResults = {}
  return { id: parsed.id, response: parsed.response, raw: parsed }
}

/**
 * WebAuthn Level 3 §7.1 step 10 and §7.2 step 14: a ceremony run in a frame of another site carries
 * `crossOrigin: true` (and `topOrigin`); Tessera's pages are never framed, so either is refused.
 */
function sameOriginClientData(clientDataJSON: unknown): boolean {
  if (typeof clientDataJSON !== 'string') return false
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as ClientData
    return (data.crossOrigin === undefined || data.crossOrigin === false) && data.topOrigin === undefined
  } catch {
    return false
  }
}

/** The flags and counter of authenticator data (WebAuthn §6.1): bytes 32 and 33–36 after the rpIdHash. */
function authenticatorDataOf(value: unknown): { backupEligible: boolean; backedUp: boolean; counter: number } | undefined {
  if (typeof value !== 'string') return undefined
  const bytes = Buffer.from(value, 'base64url')
  if (bytes.length < 37) return undefined
  const flags = bytes[32] ?? 0
  return { backupEligible: (flags & 0x08) !== 0, backedUp: (flags & 0x10) !== 0, counter: bytes.readUInt32BE(33) }
}

/**
 * Verifies a registration (attestation) posted by the account page for `user` against `challenge`. The
 * result is the credential to store; the caller stores it "if absent" so an id any user has is refused.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
 */
export async function verifyRegistration(rp: RelyingParty, options: ResolvedPasskeyOptions, user: UserRecord, challenge: PasskeyChallenge, posted: string | undefined, name: string, now: number): Promise<CeremonyResult<PasskeyCredential>> {
  const json = credentialJson(posted)
  if (!json) return { ok: false, reason: 'invalid' }
  if (Buffer.from(json.id, 'base64url').length > MAX_CREDENTIAL_ID_BYTES) return { ok: false, reason: 'invalid' }
  if (challenge.user_id !== user.id || !sameOriginClientData(json.response.clientDataJSON)) return { ok: false, reason: 'invalid', credentialId: json.id }
  const { verifyRegistrationResponse } = await webauthn()
  try {
    const verified = await verifyRegistrationResponse({
      response: json.raw as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: challenge.user_verification,
      supportedAlgorithmIDs: [...options.algorithms],
    })
    if (!verified.verified) return { ok: false, reason: 'invalid', credentialId: json.id }
    const info = verified.registrationInfo
    // The id the authenticator put in its signed data must be the one the browser reported.
    if (info.credential.id !== json.id) return { ok: false, reason: 'invalid', credentialId: json.id }
    const transports = Array.isArray(json.response.transports) ? json.response.transports.filter((t): t is string => typeof t === 'string' && /^[a-z-]{1,20}$/.test(t)).slice(0, 8) : []
    return {
      ok: true,
      value: {
        credential_id: info.credential.id,
        public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports,
        backup_eligible: info.credentialDeviceType === 'multiDevice',
        backed_up: info.credentialBackedUp,
        user_id: user.id,
        name,
        created_at: now,
        last_used_at: null,
      },
    }
  } catch {
    // The library's message names the failed check; the user gets the generic one, the audit the reason.
    return { ok: false, reason: 'invalid', credentialId: json.id }
  }
}

/** Reads the credential id of a posted assertion (to look the credential up), if it is well formed. */
export function assertedCredentialId(posted: string | undefined): string | undefined {
  return credentialJson(posted)?.id
}

/**
 * Verifies an assertion posted for `challenge` by the stored `credential`. With a challenge for a known
 * user (second factor), the credential must be theirs; without (a discoverable sign-in), the userHandle
 * must name the credential's owner. The result is the credential as it is after this use.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-verifying-assertion
 */
export async function verifyAssertion(rp: RelyingParty, challenge: PasskeyChallenge, posted: string | undefined, credential: PasskeyCredential, now: number): Promise<CeremonyResult<PasskeyCredential>> {
  const json = credentialJson(posted)
  if (!json || json.id !== credential.credential_id) return { ok: false, reason: 'invalid' }
  const fail = (reason: PasskeyFailure): CeremonyResult<PasskeyCredential> => ({ ok: false, reason, credentialId: json.id })
  // §7.2 step 6: the credential must belong to the user being authenticated.
  if (challenge.user_id !== null && challenge.user_id !== credential.user_id) return fail('wrong_user')
  const handle = json.response.userHandle
  if (handle !== undefined && handle !== null && handle !== '') {
    if (typeof handle !== 'string' || Buffer.from(handle, 'base64url').toString('utf8') !== credential.user_id) return fail('wrong_user')
  } else if (challenge.user_id === null) {
    // A discoverable credential always returns its user handle; without one the user is unknown.
    return fail('wrong_user')
  }
  if (!sameOriginClientData(json.response.clientDataJSON)) return fail('invalid')
  const data = authenticatorDataOf(json.response.authenticatorData)
  if (!data) return fail('invalid')
  const { verifyAuthenticationResponse } = await webauthn()
  try {
    const verified = await verifyAuthenticationResponse({
      response: json.raw as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      expectedType: 'webauthn.get',
      // The counter is judged below, once the signature proved the data came from the credential: then a
      // counter that did not grow is a clone signal rather than any replayed or forged request.
      credential: { id: credential.credential_id, publicKey: new Uint8Array(Buffer.from(credential.public_key, 'base64url')), counter: 0 },
      requireUserVerification: challenge.user_verification,
    })
    if (!verified.verified) return fail('invalid')
  } catch {
    return fail('invalid')
  }
  // §6.1.3: BE is fixed when the credential is made; a change means another authenticator.
  if (data.backupEligible !== credential.backup_eligible) return fail('backup_eligibility')
  // §6.1.1, §7.2 step 21: a non-zero counter must grow; a constant 0 means "no counter" (synced passkeys).
  if ((data.counter > 0 || credential.counter > 0) && data.counter <= credential.counter) return fail('counter')
  return { ok: true, value: { ...credential, counter: data.counter, backed_up: data.backedUp, last_used_at: now } }
}

/**
 * RFC 8176 §2 method of a passkey: `swk` when the credential is backup eligible (a synced passkey: the key
 * leaves the authenticator, held by the platform's keychain), `hwk` when it is bound to one device (a
 * security key, a platform authenticator's TPM or enclave). Decided from the signed BE flag, not the
 * browser's unsigned `authenticatorAttachment`; without attestation "hardware" is the authenticator's
 * claim.
 */
export function keyMethod(credential: Pick<PasskeyCredential, 'backup_eligible'>): 'hwk' | 'swk' {
  return credential.backup_eligible ? 'swk' : 'hwk'
}
