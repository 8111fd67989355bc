import { randomUUID } from 'node:crypto'
import type { ClientUser } from '../../client/broker.js'
import { federatedIdentities } from '../../storage/kinds/federated-identities.js'
import { StorageConflictError, type Store, type UserRecord } from '../../storage/types.js'
import type { MappedAttribute, ResolvedUpstream } from './options.js'

/** A provisioned account has no password: the password form refuses it (crypt(3)'s `!` convention). */
export const NO_PASSWORD = '!federated'

/**
 * RFC 8265 §3.3 (UsernameCaseMapped): width mapping (NFKC folds fullwidth `ａ` to `a`) and case mapping,
 * so that `ALICE` and `ａlice` count as `alice` when a provisioned name is checked for uniqueness (FD-07).
 */
export function foldUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase()
}

/** A claim as a non-empty string, else undefined (numbers, objects and arrays set no profile field). */
function text(claims: Record<string, unknown>, name: string | null): string | undefined {
  if (name === null) return undefined
  const value = claims[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 256) : undefined
}

function mapped(user: ClientUser, upstream: ResolvedUpstream, attribute: MappedAttribute): string | undefined {
  // The relying party's standard fields (from the profile API for GitHub-shaped providers) before raw claims.
  const claims: Record<string, unknown> = { ...user.claims, ...standardFields(user) }
  return text(claims, upstream.claims[attribute])
}

function standardFields(user: ClientUser): Record<string, unknown> {
  return {
    ...(user.preferred_username !== undefined ? { preferred_username: user.preferred_username } : {}),
    ...(user.name !== undefined ? { name: user.name } : {}),
    ...(user.email !== undefined ? { email: user.email } : {}),
    ...(user.picture !== undefined ? { picture: user.picture } : {}),
  }
}

/** A username as `createUser` accepts it (1–128 visible ASCII characters), from the mapped claim or the upstream and subject. */
function baseUsername(user: ClientUser, upstream: ResolvedUpstream): string {
  const wanted = mapped(user, upstream, 'username')?.normalize('NFKC').replace(/[^\x21-\x7E]/g, '')
  if (wanted) return wanted.slice(0, 100)
  return `${upstream.id}-${user.sub}`.replace(/[^\x21-\x7E]/g, '').slice(0, 100)
}

/**
 * Creates the local account of a first sign-in with an upstream identity and links the identity to it
 * (just-in-time provisioning). Never reuses, renames or overwrites an account: the username gets a suffix
 * when another account holds a case- or width-equivalent one, and the e-mail address is kept only when
 * the upstream asserts it verified (`email_verified` the boolean true: the string "false" is false, and
 * so is "true") and no other account holds it (FD-01, FD-07). No password: only the upstream signs in.
 */
export async function provisionUser(store: Store, user: ClientUser, upstream: ResolvedUpstream, issuer: string, now: number): Promise<UserRecord> {
  const existing = await store.users.list()
  const taken = new Set(existing.map((other) => foldUsername(other.username)))
  const emails = new Set(existing.flatMap((other) => (other.email ? [other.email.toLowerCase()] : [])))
  const email = mapped(user, upstream, 'email')
  // The relying party sets `email_verified` only from a boolean claim (or GitHub's verified primary address).
  const verified = user.email_verified === true && upstream.claims.email === 'email'
  const keptEmail = email && verified && !emails.has(email.toLowerCase()) ? email : undefined
  const base = baseUsername(user, upstream)
  for (let attempt = 1; attempt <= 20; attempt++) {
    const username = attempt === 1 ? base : `${base}-${attempt}`
    if (taken.has(foldUsername(username))) continue
    const record: UserRecord = {
      id: randomUUID(),
      username,
      password_hash: NO_PASSWORD,
      name: mapped(user, upstream, 'name') ?? null,
      given_name: mapped(user, upstream, 'given_name') ?? null,
      family_name: mapped(user, upstream, 'family_name') ?? null,
      email: keptEmail ?? null,
      email_verified: keptEmail !== undefined,
      picture: mapped(user, upstream, 'picture') ?? null,
      created_at: now,
      updated_at: now,
      disabled: false,
    }
    try {
      await store.users.create(record)
    } catch (error) {
      // Taken meanwhile by a concurrent sign-up: try the next suffix.
      if (error instanceof StorageConflictError) continue
      throw error
    }
    try {
      await federatedIdentities(store.records).add({ issuer, subject: user.sub, upstream: upstream.id, user_id: record.id, linked_at: now, origin: 'provisioned' })
    } catch (error) {
      // The same identity's concurrent first sign-in won: this account stays unused, so it goes.
      await store.users.delete(record.id)
      throw error
    }
    return record
  }
  throw new StorageConflictError(`no free username for ${base}`)
}
