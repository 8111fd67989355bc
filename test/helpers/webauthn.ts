/**
 * A software WebAuthn authenticator for tests over HTTP: it answers the options Tessera's passkey pages
 * hand the browser with a registration (`none` attestation) or an assertion, built with node:crypto the way
 * an authenticator and a browser would (WebAuthn §6.1 authenticator data, §6.5 attestation object, §5.8.1
 * client data). Every field can be bent, so a test can send the assertion an attacker would.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'

// ---- A minimal CBOR encoder (RFC 8949): what attestation objects and COSE keys use, nothing more.
type Cbor = number | string | Uint8Array | Map<number | string, Cbor>

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length])
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length])
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff])
  const out = Buffer.alloc(5)
  out[0] = (major << 5) | 26
  out.writeUInt32BE(length, 1)
  return out
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value)
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8')
    return Buffer.concat([head(3, bytes.length), bytes])
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value])
  const parts: Buffer[] = [head(5, value.size)]
  for (const [key, entry] of value) parts.push(cbor(key), cbor(entry))
  return Buffer.concat(parts)
}

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest()

/** The options of the passkey pages, as far as an authenticator reads them. */
export interface CreationOptions {
  challenge: string
  rp: { id?: string; name: string }
  user: { id: string; name: string }
  pubKeyCredParams: { alg: number }[]
}
export interface RequestOptions {
  challenge: string
  rpId?: string
  allowCredentials?: { id: string }[]
}

/** A stored credential of the software authenticator. */
export interface SoftwareCredential {
  id: string
  privateKey: KeyObject
  alg: -7 | -8
  userHandle: string
  counter: number
  backupEligible: boolean
}

/** What a test may bend in a ceremony; the defaults are what an honest authenticator sends. */
export interface Bend {
  type?: string
  origin?: string
  challenge?: string
  rpId?: string
  /** Flags: user present, user verified, backup eligible, backed up. */
  up?: boolean
  uv?: boolean
  be?: boolean
  bs?: boolean
  /** The counter to report (default: one more than last time, or 0 for a counter-less authenticator). */
  counter?: number
  userHandle?: string | null
  crossOrigin?: boolean
  topOrigin?: string
  /** Changes the authenticator data after it was signed. */
  tamper?: boolean
  /** The credential id to create (registration). */
  credentialId?: Buffer
}

/** An authenticator with resident keys; `counting: false` reports 0 always, like synced passkeys. */
export class SoftwareAuthenticator {
  readonly credentials: SoftwareCredential[] = []
  constructor(readonly origin: string, readonly options: { counting?: boolean; backupEligible?: boolean } = {}) {}

  private clientData(type: string, challenge: string, bend: Bend): Buffer {
    const data: Record<string, unknown> = { type: bend.type ?? type, challenge: bend.challenge ?? challenge, origin: bend.origin ?? this.origin, crossOrigin: bend.crossOrigin ?? false }
    if (bend.topOrigin !== undefined) data.topOrigin = bend.topOrigin
    return Buffer.from(JSON.stringify(data), 'utf8')
  }

  private flags(bend: Bend, backupEligible: boolean, attested: boolean): number {
    return (bend.up ?? true ? 0x01 : 0) | (bend.uv ?? true ? 0x04 : 0) | (bend.be ?? backupEligible ? 0x08 : 0) | (bend.bs ?? false ? 0x10 : 0) | (attested ? 0x40 : 0)
  }

  /** navigator.credentials.create: a new resident key, answered as RegistrationResponseJSON. */
  register(options: CreationOptions, bend: Bend & { alg?: -7 | -8 } = {}): { json: string; credential: SoftwareCredential } {
    const alg = bend.alg ?? -7
    const { privateKey, publicKey } = alg === -8 ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    const coseKey = alg === -8
      ? new Map<number, Cbor>([[1, 1], [3, -8], [-1, 6], [-2, Buffer.from(jwk.x ?? '', 'base64url')]])
      : new Map<number, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x ?? '', 'base64url')], [-3, Buffer.from(jwk.y ?? '', 'base64url')]])
    const id = bend.credentialId ?? randomBytes(32)
    const backupEligible = bend.be ?? this.options.backupEligible ?? false
    const counter = bend.counter ?? 0
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(id.length)
    const count = Buffer.alloc(4)
    count.writeUInt32BE(counter)
    const authData = Buffer.concat([sha256(bend.rpId ?? options.rp.id ?? new URL(this.origin).hostname), Buffer.from([this.flags(bend, backupEligible, true)]), count, Buffer.alloc(16), idLength, id, cbor(coseKey)])
    const attestationObject = cbor(new Map<string, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]))
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, bend)
    const credential: SoftwareCredential = { id: b64u(id), privateKey, alg, userHandle: options.user.id, counter, backupEligible }
    this.credentials.push(credential)
    const json = JSON.stringify({
      id: b64u(id), rawId: b64u(id), type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
    })
    return { json, credential }
  }

  /** navigator.credentials.get: an assertion by `credential` (default: the first allowed, else the newest). */
  assert(options: RequestOptions, bend: Bend = {}, credential?: SoftwareCredential): string {
    const allowed = options.allowCredentials?.map((entry) => entry.id) ?? []
    const chosen = credential ?? (allowed.length > 0 ? this.credentials.find((entry) => allowed.includes(entry.id)) : this.credentials.at(-1))
    if (!chosen) throw new Error('the software authenticator holds no usable credential')
    const counter = bend.counter ?? (this.options.counting === false ? 0 : chosen.counter + 1)
    if (bend.counter === undefined) chosen.counter = counter
    const count = Buffer.alloc(4)
    count.writeUInt32BE(counter)
    const authData = Buffer.concat([sha256(bend.rpId ?? options.rpId ?? new URL(this.origin).hostname), Buffer.from([this.flags(bend, chosen.backupEligible, false)]), count])
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, bend)
    const signed = Buffer.concat([authData, sha256(clientDataJSON)])
    const signature = chosen.alg === -8 ? sign(null, signed, chosen.privateKey) : sign('sha256', signed, chosen.privateKey)
    if (bend.tamper) authData[authData.length - 1] = (authData[authData.length - 1] ?? 0) ^ 0x01
    const handle = bend.userHandle === undefined ? chosen.userHandle : bend.userHandle
    return JSON.stringify({
      id: chosen.id, rawId: chosen.id, type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), ...(handle === null ? {} : { userHandle: handle }) },
    })
  }
}

/** The WebAuthn options a passkey page carries in its form's `data-options` attribute. */
export function webauthnOptions<T>(html: string): T {
  const attribute = /data-options="([^"]*)"/.exec(html)?.[1]
  if (attribute === undefined) throw new Error(`no WebAuthn form in page: ${html.slice(0, 400)}`)
  const text = attribute.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
  return JSON.parse(text) as T
}
