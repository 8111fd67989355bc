import { parseArgs } from 'node:util'
import { resealClientSecrets, ValidationError } from '../server/admin.js'
import { DEFAULT_KEY_ALGORITHMS, KeySet, rotateSigningKeys, SigningKeySecretError } from '../server/key-set.js'
import { cliAuditSink } from './audit.js'
import { now, openStore, print, secretFor, STORE_OPTIONS, UsageError } from './common.js'

/** Retired keys stay published this long: longer than any token they signed can live (as `keys rotate`). */
const RETAIN_SECONDS = 24 * 3600

/**
 * `tessera-oidc secret rotate`, after setting `TESSERA_SECRET=new,old`: new signing keys sealed under the newest
 * secret replace the active ones. New keys rather than the old ones sealed again: a secret is changed
 * because it may have leaked, and then so may every private key it sealed. The old keys' public parts stay
 * in the JWKS for a day, so tokens they signed still verify.
 */
export async function secretCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv
  if (action !== 'rotate') throw new UsageError('usage: tessera-oidc secret rotate [--json]')
  const { values } = parseArgs({ args: rest, options: { ...STORE_OPTIONS, json: { type: 'boolean' } }, strict: true })
  const { secret, secrets, file } = secretFor(values)
  if (file !== undefined) throw new UsageError('set TESSERA_SECRET to the new secret followed by the old one (TESSERA_SECRET=new,old): the secret to rotate from is in ' + file)
  const store = await openStore(values)
  try {
    // Every active key must open under one of the listed secrets: otherwise the old secret is missing from the list.
    try {
      await new KeySet(store, secrets, now).load()
    } catch (error) {
      if (!(error instanceof SigningKeySecretError)) throw error
      throw new UsageError(`none of the secrets in TESSERA_SECRET opens signing key ${error.kid}: list the secret it was sealed with after the new one (TESSERA_SECRET=new,old)`)
    }
    // Before the keys: a client secret no listed secret opens stops the rotation with nothing changed.
    let resealed: string[]
    try {
      resealed = await resealClientSecrets(store, secrets)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      throw new UsageError(`${error.message}: list the secret it was sealed with after the new one (TESSERA_SECRET=new,old)`)
    }
    process.stderr.write('sealing new signing keys under the newest secret …\n')
    const created = await rotateSigningKeys(store, secret, now(), RETAIN_SECONDS, DEFAULT_KEY_ALGORITHMS, { audit: cliAuditSink(store), actor: 'cli' })
    const keys = created.map((key) => ({ kid: key.kid, alg: key.alg }))
    print(values.json ?? false, { keys, resealed_clients: resealed, previous_secrets: secrets.length - 1 }, [
      ...created.map((key) => `new active key ${key.kid} (${key.alg})`),
      ...(resealed.length > 0 ? [`client_secret_jwt secrets sealed again under the newest secret: ${resealed.length}`] : []),
      'The keys sealed under older secrets are retired; their public parts leave the JWKS in 24 h.',
      secrets.length > 1
        ? 'Keep the old secret after the new one in TESSERA_SECRET until the login sessions started before this change have ended, then remove it.'
        : 'TESSERA_SECRET lists one secret: the keys were renewed under it.',
    ].join('\n'))
  } finally {
    await store.close()
  }
}
