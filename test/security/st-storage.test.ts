/**
 * Catalogue §13 — storage, consistency and data loss (ST), on the SQLite file store.
 *
 * ST-02 registers its extra client the way an operator does (`createClient`, what `tessera clients
 * create` calls): Tessera has no dynamic client registration.
 *
 * Not applicable here (P1, not in this run's selection): ST-03 (kill -9 during rotation), ST-04 (secrets
 * in logs and at rest), ST-05 (deletion cascades and cleanup).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rotateSigningKeys } from '../../src/server/key-set.js'
import { Browser } from '../helpers/http-client.js'
import { clientPost, SECRET, startTestServer, type TestServer } from '../helpers/tessera.js'
import {
  authorizationFlow,
  expectBearerError,
  expectTokenError,
  fetchJwks,
  redeem,
  refresh,
  registerClient,
  restartOnSameFile,
  revoke,
  silentAuthorization,
  sleep,
  tokensFor,
  userinfo,
  verifyIdToken,
} from './helpers.js'

let directory: string
let server: TestServer | undefined
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tessera-st-'))
})
afterAll(async () => {
  await server?.close()
  await rm(directory, { recursive: true, force: true })
})

const OFFLINE = 'openid profile offline_access'

describe('ST storage', () => {
  it('ST-02 clients, tokens, revocations, consumed codes, keys and sessions survive a restart', async () => {
    const filename = join(directory, 'tessera.db')
    const first = await startTestServer({ store: 'sqlite', filename })
    server = first
    const { conf } = first.clients
    const registered = await registerClient(first, { grants: ['authorization_code', 'refresh_token', 'client_credentials'], scopes: ['openid', 'notes:read'] })

    const browser = new Browser()
    const live = await tokensFor(first, conf, { scope: OFFLINE, browser })
    const redeemed = await authorizationFlow(first, browser, conf)
    expect((await redeem(first, conf, redeemed)).status).toBe(200)
    const revokedGrant = await tokensFor(first, conf, { scope: OFFLINE })
    expect((await revoke(first, conf, revokedGrant.refresh_token ?? '')).status).toBe(200)
    const revokedAccess = await tokensFor(first, conf)
    expect((await revoke(first, conf, revokedAccess.access_token)).status).toBe(200)

    // Rotate keys while running; wait until the server signs with the new ones.
    const created = await rotateSigningKeys(first.store, SECRET, Math.floor(Date.now() / 1000), 3600)
    const newKids = created.map((key) => key.kid)
    for (let attempt = 0; attempt < 30 && !(await fetchJwks(first)).keys.some((key) => key.kid === newKids[0]); attempt++) await sleep(100)
    const afterRotation = await tokensFor(first, conf, { scope: OFFLINE })
    expect(newKids).toContain(decodeProtectedHeader(afterRotation.id_token ?? '').kid)
    expect(newKids).not.toContain(decodeProtectedHeader(live.id_token ?? '').kid)
    const kidsBefore = (await fetchJwks(first)).keys.map((key) => key.kid).sort()

    await first.close()
    server = undefined
    const second = await restartOnSameFile(first, filename)
    server = second
    expect(second.url).toBe(first.url)

    // The registered client still authenticates and is still allowed its grants.
    const cc = await clientPost(second, '/token', registered, { grant_type: 'client_credentials', scope: 'notes:read' })
    expect(cc.status).toBe(200)
    // Live grant: the access token is accepted, the refresh token refreshes.
    expect((await userinfo(second, live.access_token)).status).toBe(200)
    const refreshed = await refresh(second, conf, live.refresh_token ?? '')
    expect(refreshed.status).toBe(200)
    // What was revoked or consumed stays so.
    await expectTokenError(await refresh(second, conf, revokedGrant.refresh_token ?? ''), 'invalid_grant')
    await expectBearerError(await userinfo(second, revokedGrant.access_token), 'invalid_token')
    await expectBearerError(await userinfo(second, revokedAccess.access_token), 'invalid_token')
    await expectTokenError(await redeem(second, conf, redeemed), 'invalid_grant')
    // Same keys, same kids; tokens signed before the restart, with the old and the new key, verify.
    const jwks = await fetchJwks(second)
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual(kidsBefore)
    await verifyIdToken(second, live.id_token ?? '', 'conf', jwks)
    await verifyIdToken(second, afterRotation.id_token ?? '', 'conf', jwks)
    const fresh = await tokensFor(second, conf)
    expect(newKids).toContain(decodeProtectedHeader(fresh.id_token ?? '').kid)
    // The provider session and the consent survived too: prompt=none answers with a code.
    const silent = await silentAuthorization(second, browser, conf)
    expect(silent.error).toBeUndefined()
    expect((await redeem(second, conf, silent)).status).toBe(200)
  })
})
