import { DEFAULT_KEY_ALGORITHMS, ensureSigningKeys, rotateSigningKeys } from '../key-set.js'
import { json } from './http.js'
import type { AdminOperation } from './operation.js'

/** Old keys stay published this long after a rotation: longer than any token they signed can live (as `tessera-oidc keys rotate`). */
const RETAIN_SECONDS = 24 * 3600

const list: AdminOperation = {
  id: 'listKeys', method: 'GET', path: '/keys', scope: 'admin:keys:read',
  async handle({ ctx }) {
    const keys = await ctx.config.store.keys.list(ctx.config.now())
    // The public half only: the private key stays sealed in the store.
    const items = keys.map((key) => ({
      kid: key.kid, alg: key.alg, created_at: key.created_at, retired_at: key.retired_at, expires_at: key.expires_at,
      active: key.retired_at === null, public_jwk: JSON.parse(key.public_jwk) as Record<string, unknown>,
    }))
    return json(200, { items })
  },
}

const rotate: AdminOperation = {
  id: 'rotateKeys', method: 'POST', path: '/keys/rotate', scope: 'admin:keys:write',
  async handle({ ctx, admin }) {
    const now = ctx.config.now()
    await ensureSigningKeys(ctx.config.store, ctx.config.secret, now)
    const created = await rotateSigningKeys(ctx.config.store, ctx.config.secret, now, RETAIN_SECONDS, DEFAULT_KEY_ALGORITHMS, admin)
    // This process signs with the new keys from the next token on (other instances follow the store's key version).
    ctx.keys.invalidate()
    return json(200, { created: created.map((key) => ({ kid: key.kid, alg: key.alg })) })
  },
}

export const KEY_OPERATIONS: readonly AdminOperation[] = [list, rotate]
