import { randomToken, sha256 } from '../crypto/random.js'
import type { ClientContext } from './context.js'
import type { DpopKey } from './dpop.js'
import { cookieName, readSignedCookie, setCookie, setSignedCookie } from './cookies.js'
import type { Runtime } from './runtime.js'
import { seal, unseal } from './seal.js'
import type { SessionRecord } from './store.js'
import type { TokenSet } from './token-set.js'
import type { ClientUser } from './user.js'

/** A live local session: the user and tokens, read from the store. */
export interface Session {
  /** Store key (SHA-256 of the cookie's session id). */
  key: string
  provider: string
  user: ClientUser
  tokens: TokenSet
  /** The stored `tokens_version`: a refresh replaces the tokens only while it is still this one. */
  version: number
  expiresAt: number
  /** The key the tokens are bound to (RFC 9449), for providers registered with `dpop`. */
  dpopKey?: DpopKey | undefined
}

const context = (key: string): string => `rp_sessions:${key}`

/** The sealed part of a session record: the token set, and the DPoP key its tokens are bound to. */
type SealedTokens = TokenSet & { dpop_key?: DpopKey }

function sealTokens(runtime: Runtime, key: string, tokens: TokenSet, dpopKey: DpopKey | undefined): string {
  const sealed: SealedTokens = dpopKey ? { ...tokens, dpop_key: dpopKey } : tokens
  return seal(runtime.keys.seal, JSON.stringify(sealed), context(key))
}

function sessionKey(ctx: ClientContext, runtime: Runtime): string | undefined {
  const id = readSignedCookie(ctx, runtime.keys.cookie, cookieName(ctx, 'session'))
  return id ? sha256(id) : undefined
}

/**
 * Starts a session after a successful login. Any previous session of this browser is deleted and a new
 * random id is issued (ASVS 7.2.4, session fixation: catalogue SC-02). The cookie holds only the signed id;
 * user and tokens stay server-side, tokens sealed (AES-256-GCM).
 */
export async function startSession(runtime: Runtime, ctx: ClientContext, user: ClientUser, tokens: TokenSet, dpopKey?: DpopKey, providerSessionId?: string): Promise<Session> {
  const previous = sessionKey(ctx, runtime)
  if (previous) await runtime.store.sessions.delete(previous)
  const id = randomToken(32)
  const key = sha256(id)
  const now = runtime.now()
  const record: SessionRecord = {
    key,
    provider: user.provider,
    issuer: user.issuer,
    subject: user.sub,
    // Back-Channel Logout §2.4: a logout token names the provider session by the ID token's `sid`.
    sid: providerSessionId ?? null,
    user: JSON.stringify(user),
    tokens: sealTokens(runtime, key, tokens, dpopKey),
    tokens_version: 0,
    created_at: now,
    updated_at: now,
    expires_at: now + runtime.sessionMaxAge,
  }
  await runtime.store.sessions.save(record)
  setSignedCookie(ctx, runtime.keys.cookie, cookieName(ctx, 'session'), id, { maxAge: runtime.sessionMaxAge })
  return { key, provider: record.provider, user, tokens, version: 0, expiresAt: record.expires_at, dpopKey }
}

/**
 * The browser's live session, or `undefined` (no cookie, bad MAC, expired, idle, unknown, or
 * undecryptable). A session unused for `sessionIdleTimeout` is deleted here (ASVS 7.3.1, catalogue
 * SC-09); a use is recorded in the store at most once a minute, so reads stay cheap.
 */
export async function loadSession(runtime: Runtime, ctx: ClientContext): Promise<Session | undefined> {
  const key = sessionKey(ctx, runtime)
  if (!key) return undefined
  const now = runtime.now()
  const record = await runtime.store.sessions.get(key, now)
  if (!record) return undefined
  const idle = now - record.updated_at
  if (idle >= runtime.sessionIdleTimeout) {
    await runtime.store.sessions.delete(key)
    return undefined
  }
  if (idle >= Math.min(60, Math.floor(runtime.sessionIdleTimeout / 4))) await runtime.store.sessions.touch(key, now)
  return fromRecord(runtime, key, record)
}

/** The session under `key` as stored (used to re-read it after another request refreshed its tokens). */
export async function loadSessionByKey(runtime: Runtime, key: string): Promise<Session | undefined> {
  const record = await runtime.store.sessions.get(key, runtime.now())
  return record ? fromRecord(runtime, key, record) : undefined
}

function fromRecord(runtime: Runtime, key: string, record: SessionRecord): Session | undefined {
  const opened = unseal(runtime.keys.seal, record.tokens, context(key))
  if (opened === undefined) return undefined
  const { dpop_key: dpopKey, ...tokens } = JSON.parse(opened) as SealedTokens
  return { key, provider: record.provider, user: JSON.parse(record.user) as ClientUser, tokens, version: record.tokens_version ?? 0, expiresAt: record.expires_at, dpopKey }
}

/**
 * Replaces the session's tokens if they are still those of `version` (compare-and-set); the DPoP key they
 * are bound to stays with them. False when another write came first or the session ended.
 */
export async function saveTokens(runtime: Runtime, key: string, tokens: TokenSet, version: number, dpopKey?: DpopKey): Promise<boolean> {
  return runtime.store.sessions.replaceTokens(key, sealTokens(runtime, key, tokens, dpopKey), version, runtime.now())
}

/** Deletes the session server-side and expires the cookie; the old id is dead even if replayed (SC-03). */
export async function endSession(runtime: Runtime, ctx: ClientContext): Promise<void> {
  const key = sessionKey(ctx, runtime)
  if (key) await runtime.store.sessions.delete(key)
  setCookie(ctx, cookieName(ctx, 'session'), '', { maxAge: 0 })
}
