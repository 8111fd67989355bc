import type { JSONWebKeySet, JWK } from 'jose'
import {
  decryptPrivateKey,
  encryptPrivateKey,
  generateSigningKey,
  importPrivateKey,
  type SigningAlgorithm,
} from '../jwt/keys.js'
import type { SigningKey } from '../jwt/sign.js'
import { localKeyResolver, type KeyResolver } from '../jwt/verify.js'
import type { SigningKeyRecord, Store } from '../storage/types.js'
import type { AdminOptions } from './admin-options.js'
import { createAuditSink } from './audit/sink.js'

/** Signing algorithms the server always holds a key for: RS256 is OIDC's default, ES256 the fast one. */
export const DEFAULT_KEY_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256']

interface Loaded {
  version: string
  signing: Map<string, SigningKey>
  jwks: JSONWebKeySet
  resolver: KeyResolver
}

/** How often a running server asks the store whether keys changed (a rotation by the CLI or a peer). */
const VERSION_CHECK_INTERVAL_MS = 2000

/**
 * The server's signing keys, loaded from the store and kept in memory. Picks up rotations made
 * elsewhere without a restart: at most every two seconds it compares the store's key version.
 */
export class KeySet {
  readonly #store: Store
  readonly #secrets: readonly string[]
  readonly #now: () => number
  #loaded: Loaded | undefined
  #loading: Promise<Loaded> | undefined
  #checkedAt = 0

  /** `secrets` newest first: during a secret rotation a key sealed under an older one still opens. */
  constructor(store: Store, secrets: string | readonly string[], now: () => number) {
    this.#store = store
    this.#secrets = typeof secrets === 'string' ? [secrets] : secrets
    this.#now = now
  }

  /**
   * Opens the stored keys now, so that a server whose secret cannot open them refuses to start instead of
   * answering discovery and then failing every token request.
   */
  async load(): Promise<void> {
    await this.#current()
    // Checked, not kept: instances started together on an empty database each add keys, and the one this
    // server signs with is chosen when it first signs, once all of theirs are in the store.
    this.invalidate()
  }

  /** The active key for `alg` (newest non-retired). */
  async signingKey(alg: string): Promise<SigningKey> {
    const loaded = await this.#current()
    const key = loaded.signing.get(alg)
    if (!key) throw new Error(`No active signing key for ${alg}`)
    return key
  }

  /** Public keys of every key not yet expired: active and retired (RFC 7517). */
  async jwks(): Promise<JSONWebKeySet> {
    return (await this.#current()).jwks
  }

  async resolver(): Promise<KeyResolver> {
    return (await this.#current()).resolver
  }

  /** Algorithms with an active key, for metadata. */
  async algorithms(): Promise<string[]> {
    return [...(await this.#current()).signing.keys()]
  }

  /** Forget the cache (after this process rotated keys). */
  invalidate(): void {
    this.#loaded = undefined
    this.#checkedAt = 0
  }

  async #current(): Promise<Loaded> {
    const loaded = this.#loaded
    if (loaded && Date.now() - this.#checkedAt < VERSION_CHECK_INTERVAL_MS) return loaded
    this.#loading ??= this.#refresh(loaded).finally(() => {
      this.#loading = undefined
    })
    return this.#loading
  }

  async #refresh(previous: Loaded | undefined): Promise<Loaded> {
    const version = await this.#store.keys.version()
    this.#checkedAt = Date.now()
    if (previous && previous.version === version) return previous
    const records = await this.#store.keys.list(this.#now())
    const signing = new Map<string, SigningKey>()
    for (const record of records) {
      // list() is newest first: the first non-retired key of an algorithm signs.
      if (record.retired_at !== null || signing.has(record.alg)) continue
      const jwk = await openPrivateKey(record, this.#secrets)
      signing.set(record.alg, { kid: record.kid, alg: record.alg, key: await importPrivateKey(jwk, record.alg as SigningAlgorithm) })
    }
    const jwks: JSONWebKeySet = { keys: records.map((record) => JSON.parse(record.public_jwk) as JWK) }
    const loaded: Loaded = { version, signing, jwks, resolver: localKeyResolver(jwks) }
    this.#loaded = loaded
    return loaded
  }
}

/** Raised when none of the configured secrets opens a stored signing key. */
export class SigningKeySecretError extends Error {
  constructor(readonly kid: string) {
    super(`The server secret cannot open the stored signing key ${kid}: it was sealed under another secret`)
    this.name = 'SigningKeySecretError'
  }
}

async function openPrivateKey(record: SigningKeyRecord, secrets: readonly string[]): Promise<JWK> {
  for (const secret of secrets) {
    try {
      return await decryptPrivateKey(record.private_key_encrypted, secret)
    } catch {
      // Sealed under another secret of the list, or under none of them: the next one, then the error below.
    }
  }
  throw new SigningKeySecretError(record.kid)
}

async function newKeyRecord(alg: SigningAlgorithm, secret: string, now: number): Promise<SigningKeyRecord> {
  const key = await generateSigningKey(alg)
  return {
    kid: key.kid,
    alg,
    public_jwk: JSON.stringify(key.publicJwk),
    private_key_encrypted: await encryptPrivateKey(key.privateJwk, secret),
    created_at: now,
    retired_at: null,
    expires_at: null,
  }
}

/** Generates a key for every algorithm that has no active one (first start). */
export async function ensureSigningKeys(store: Store, secret: string, now: number, algorithms = DEFAULT_KEY_ALGORITHMS): Promise<SigningKeyRecord[]> {
  const existing = await store.keys.list(now)
  const created: SigningKeyRecord[] = []
  for (const alg of algorithms) {
    if (existing.some((key) => key.alg === alg && key.retired_at === null)) continue
    const record = await newKeyRecord(alg, secret, now)
    await store.keys.add(record)
    created.push(record)
  }
  return created
}

/**
 * Adds a new active key per algorithm; the previous keys stop signing at once but stay in JWKS for
 * `retainFor` seconds, until every token they signed has expired (OIDC Core §10.1.1). The rotation is
 * recorded in the audit trail (`keys.rotated`, see `AdminOptions`).
 */
export async function rotateSigningKeys(store: Store, secret: string, now: number, retainFor: number, algorithms = DEFAULT_KEY_ALGORITHMS, options: AdminOptions = {}): Promise<SigningKeyRecord[]> {
  const created: SigningKeyRecord[] = []
  for (const alg of algorithms) created.push(await newKeyRecord(alg, secret, now))
  for (const record of created) await store.keys.add(record)
  await store.keys.retireAllExcept(created.map((record) => record.kid), now, now + retainFor)
  const audit = options.audit ?? createAuditSink({ store })
  await audit.record({ type: 'keys.rotated', kids: created.map((record) => record.kid), algorithms: created.map((record) => record.alg), actor: options.actor ?? 'admin' })
  return created
}
