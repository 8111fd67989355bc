import { availableParallelism } from 'node:os'
import type { HashOptions } from 'argon2'
import { importOptional, OPTIONAL_MODULES } from './optional-module.js'

/**
 * Argon2id parameters: OWASP Password Storage Cheat Sheet's first recommended set
 * (m=19 MiB, t=2, p=1), the minimum it lists and the cost budget the login benchmark is sized for.
 */
export const ARGON2_PARAMETERS = {
  // argon2's own `argon2id` constant, written out so that reading the parameters does not load argon2.
  type: 2,
  memoryCost: 19456, timeCost: 2, parallelism: 1,
} as const satisfies HashOptions

/** argon2 is an optional peer: a server without local users (or an API) never loads it. */
const loadArgon2 = () => importOptional('password hashing', OPTIONAL_MODULES.argon2)

/**
 * At most one Argon2id computation per core (of those this process may run on): more at once only
 * take turns on a core with 19 MiB each, thrashing its cache, and every login waits longer.
 */
const HASH_SLOTS = availableParallelism()
let hashesRunning = 0
const waitingForSlot: (() => void)[] = []

async function inHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (hashesRunning < HASH_SLOTS) hashesRunning++
  else await new Promise<void>((resolve) => waitingForSlot.push(resolve))
  try {
    return await work()
  } finally {
    // The slot passes straight to the next waiter, so the count only drops when nobody waits.
    const next = waitingForSlot.shift()
    if (next) next()
    else hashesRunning--
  }
}

export async function hashPassword(password: string): Promise<string> {
  const argon2 = await loadArgon2()
  return inHashSlot(() => argon2.hash(password, ARGON2_PARAMETERS))
}

/**
 * Whether a stored password hash can never match (accounts without a password, such as users provisioned
 * from an upstream provider): by the crypt(3) convention such a hash starts with `!`.
 */
export function isUnusablePasswordHash(hash: string): boolean {
  return hash.startsWith('!')
}

/** False for a wrong password or a malformed hash; never throws on user input. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  // Outside the try: a missing argon2 is the operator's to fix, not a wrong password.
  const argon2 = await loadArgon2()
  try {
    return await inHashSlot(() => argon2.verify(hash, password))
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | undefined

/**
 * Spends the same work as a real verification, so that an unknown username answers in the same time
 * as a wrong password (ASVS 6.3.8, catalogue RL-01).
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('tessera-dummy-password')
  await verifyPassword(await dummyHash, password)
  return false
}
