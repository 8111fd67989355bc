import { availableParallelism } from 'node:os'
import argon2 from 'argon2'

/**
 * Argon2id parameters: OWASP Password Storage Cheat Sheet's first recommended set
 * (m=19 MiB, t=2, p=1), the minimum it lists and the cost budget the login benchmark is sized for.
 */
export const ARGON2_PARAMETERS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

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
  return inHashSlot(() => argon2.hash(password, ARGON2_PARAMETERS))
}

/** False for a wrong password or a malformed hash; never throws on user input. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
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
