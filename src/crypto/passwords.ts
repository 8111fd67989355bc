import argon2 from 'argon2'

/**
 * Argon2id parameters: OWASP Password Storage Cheat Sheet's first recommended set
 * (m=19 MiB, t=2, p=1), the minimum it lists and the cost budget the login benchmark is sized for.
 */
export const ARGON2_PARAMETERS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_PARAMETERS)
}

/** False for a wrong password or a malformed hash; never throws on user input. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password)
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
