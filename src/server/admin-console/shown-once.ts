import { randomToken, sha256 } from '../../crypto/random.js'
import { openSealedSecret, sealSecret } from '../../jwt/sealed-secret.js'
import { ADMIN_CONSOLE_SHOWN_ONCE } from '../../storage/kinds/admin-console.js'
import type { ConsoleRequest } from './types.js'

/** How long a made secret waits for its one view: the redirect after the POST follows at once. */
const LIFETIME = 300

/**
 * Keeps `values` for exactly one view by this admin; the reference goes in the redirect's query. It names
 * the record, it is not the secret: the secret never appears in a URL (catalogue AC-08, RFC 6819 §5.1.4.2.2).
 */
export async function keepForOneView(request: ConsoleRequest, values: Readonly<Record<string, string>>): Promise<string> {
  const reference = randomToken(32)
  const { ctx } = request
  await ctx.config.store.records.put(ADMIN_CONSOLE_SHOWN_ONCE, {
    key: sha256(reference), subject: request.admin.sub, expiresAt: ctx.config.now() + LIFETIME,
    value: { sub: request.admin.sub, sealed: await sealSecret(JSON.stringify(values), ctx.config.secret, 'shown-once') },
  })
  return reference
}

/** What `keepForOneView` kept, the first time it is asked for by the same admin; undefined ever after. */
export async function takeOneView(request: ConsoleRequest, reference: string | null): Promise<Record<string, string> | undefined> {
  if (reference === null || !/^[A-Za-z0-9_-]{43}$/.test(reference)) return undefined
  const { ctx } = request
  const taken = await ctx.config.store.records.consume(ADMIN_CONSOLE_SHOWN_ONCE, sha256(reference), ctx.config.now())
  if (taken.status !== 'consumed' || taken.record.value.sub !== request.admin.sub) return undefined
  const opened = await openSealedSecret(taken.record.value.sealed, [ctx.config.secret, ...ctx.config.previousSecrets], 'shown-once')
  return opened === undefined ? undefined : (JSON.parse(opened) as Record<string, string>)
}
