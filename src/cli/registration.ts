import { parseArgs } from 'node:util'
import { createInitialAccessToken } from '../server/rfc7591/index.js'
import { now, openStore, parseDuration, print, STORE_OPTIONS, UsageError } from './common.js'

const DEFAULT_EXPIRY = '1d'

/**
 * `tessera-oidc registration token create [--expires 1d] [--json]`: an initial access token for a server run
 * with `--registration token` (RFC 7591 §3). Shown once; the store keeps its SHA-256. Good for one
 * registration until it expires.
 */
export async function registrationCommand(argv: string[]): Promise<void> {
  const [subject, action, ...rest] = argv
  if (subject !== 'token' || action !== 'create') throw new UsageError('usage: tessera-oidc registration token create [--expires 1d] [--json]')
  const { values } = parseArgs({ args: rest, options: { ...STORE_OPTIONS, expires: { type: 'string' }, json: { type: 'boolean' } }, strict: true })
  const expiresIn = parseDuration(values.expires ?? DEFAULT_EXPIRY, '--expires')
  const store = await openStore(values)
  try {
    const { token, expiresAt } = await createInitialAccessToken(store, { now: now(), expiresIn })
    const expires = new Date(expiresAt * 1000).toISOString()
    print(values.json ?? false, { initial_access_token: token, expires_at: expiresAt }, [
      `initial access token (shown once, good for one registration until ${expires}):`,
      token,
      '',
      'Register with: Authorization: Bearer <token> on POST /register',
    ].join('\n'))
  } finally {
    await store.close()
  }
}
