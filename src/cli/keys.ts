import { parseArgs } from 'node:util'
import { DEFAULT_KEY_ALGORITHMS, ensureSigningKeys, rotateSigningKeys } from '../server/key-set.js'
import { now, openStore, print, secretFor, STORE_OPTIONS, UsageError } from './common.js'
import { cliAuditSink } from './audit.js'

/** Old keys stay published this long after a rotation: longer than any token they signed can live. */
const RETAIN_SECONDS = 24 * 3600

/** `tessera-oidc keys list|rotate`. A running server picks a rotation up within seconds, without restart. */
export async function keysCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv
  const { values } = parseArgs({ args: rest, options: { ...STORE_OPTIONS, json: { type: 'boolean' } }, strict: true })
  const json = values.json ?? false
  const store = await openStore(values)
  try {
    switch (action) {
      case 'list': {
        const keys = (await store.keys.list(now())).map((key) => ({ kid: key.kid, alg: key.alg, created_at: key.created_at, retired_at: key.retired_at, expires_at: key.expires_at, active: key.retired_at === null }))
        print(json, keys, keys.map((k) => `${k.kid}\t${k.alg}\t${k.active ? 'active' : `retired, leaves JWKS at ${new Date((k.expires_at ?? 0) * 1000).toISOString()}`}`).join('\n') || '(no keys yet: they are created on first start)')
        return
      }
      case 'rotate': {
        const { secret } = secretFor(values)
        const audit = cliAuditSink(store)
        const first = await ensureSigningKeys(store, secret, now())
        if (first.length > 0) await audit.record({ type: 'keys.created', kids: first.map((key) => key.kid), algorithms: first.map((key) => key.alg), actor: 'cli' })
        const created = await rotateSigningKeys(store, secret, now(), RETAIN_SECONDS, DEFAULT_KEY_ALGORITHMS, { audit, actor: 'cli' })
        print(json, created.map((key) => ({ kid: key.kid, alg: key.alg })), created.map((key) => `new active key ${key.kid} (${key.alg})`).join('\n'))
        return
      }
      default:
        throw new UsageError('usage: tessera-oidc keys list|rotate')
    }
  } finally {
    await store.close()
  }
}
