/**
 * Catalogue §13 — storage, consistency and data loss (ST), on the SQLite file store.
 *
 * ST-02 registers its extra client the way an operator does (`createClient`, what `tessera clients
 * create` calls): Tessera has no dynamic client registration.
 *
 * ST-03 runs the built `tessera-oidc serve` (dist/, built by `npm test` before the suites) as a real process,
 * so that it can be killed with SIGKILL in the middle of refreshes.
 *
 * ST-05 deletes with `deleteClient` and `deleteUser` (what `tessera-oidc client delete` and `tessera-oidc user
 * delete` call); Tessera has no RFC 7592 client configuration endpoint, so its DELETE and concurrent
 * updates do not apply. Purging expired records (the P2 half) is `store.purgeExpired`, covered by the
 * storage contract suite. ST-04 (secrets in logs) is the audit suite's.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteClient, deleteUser } from '../../src/server/admin.js'
import { rotateSigningKeys } from '../../src/server/key-set.js'
import { Browser } from '../helpers/http-client.js'
import { basicAuth, clientPost, SECRET, startTestServer, type TestServer } from '../helpers/tessera.js'
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
  withSecurityServer,
  isActive,
  startServeProcess,
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
  }, 60_000) // two server starts and a dozen logins; slow on a loaded machine

  it('ST-05 deleting a client or a user makes their tokens, codes and sessions worthless at once', async () => {
    await withSecurityServer({}, async (own) => {
      const doomed = await registerClient(own)
      const browser = new Browser()
      const clientTokens = await tokensFor(own, doomed, { scope: OFFLINE, browser })
      const pendingCode = await authorizationFlow(own, browser, doomed)
      expect(await deleteClient(own.store, doomed.id)).toBe(true)
      // The client cannot authenticate any more: its refresh token and code are dead with it.
      await expectTokenError(await refresh(own, doomed, clientTokens.refresh_token ?? ''), ['invalid_client', 'invalid_grant'])
      await expectTokenError(await redeem(own, doomed, pendingCode), ['invalid_client', 'invalid_grant'])
      await expectBearerError(await userinfo(own, clientTokens.access_token), 'invalid_token')
      // The user's session with the provider is not the client's to end: other clients still sign in silently.
      expect((await silentAuthorization(own, browser, own.clients.firstParty)).code).toBeDefined()

      const { conf } = own.clients
      const bobBrowser = new Browser()
      const bobTokens = await tokensFor(own, conf, { scope: OFFLINE, browser: bobBrowser, user: own.users.bob })
      const bobCode = await authorizationFlow(own, bobBrowser, conf)
      expect(await deleteUser(own.store, own.users.bob.id)).toBe(true)
      await expectTokenError(await refresh(own, conf, bobTokens.refresh_token ?? ''), 'invalid_grant')
      await expectTokenError(await redeem(own, conf, bobCode), 'invalid_grant')
      await expectBearerError(await userinfo(own, bobTokens.access_token), 'invalid_token')
      expect(await isActive(own, conf, bobTokens.access_token)).toBe(false)
      expect((await silentAuthorization(own, bobBrowser, conf)).error).toBe('login_required')
      // Nothing of alice's went with them.
      expect((await silentAuthorization(own, browser, own.clients.firstParty)).code).toBeDefined()
    })
  }, 60_000)

  it('ST-03 a SIGKILL in the middle of refreshes leaves one usable refresh token per family, or a clear invalid_grant', async () => {
    const filename = join(directory, 'crash.db')
    const setup = await startTestServer({ store: 'sqlite', filename })
    const { conf } = setup.clients
    let families: string[] = []
    for (let index = 0; index < 6; index++) families.push((await tokensFor(setup, conf, { scope: OFFLINE })).refresh_token ?? '')
    await setup.close()

    const refreshAt = async (url: string, token: string): Promise<{ status: number; body: { refresh_token?: string } } | undefined> => {
      try {
        const response = await fetch(`${url}/token`, {
          method: 'POST',
          headers: { authorization: basicAuth(conf), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString(),
        })
        return { status: response.status, body: (await response.json()) as { refresh_token?: string } }
      } catch {
        return undefined // the process died before answering
      }
    }
    const activeAt = async (url: string, token: string): Promise<boolean> => {
      const response = await fetch(`${url}/introspect`, {
        method: 'POST',
        headers: { authorization: basicAuth(conf), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      })
      expect(response.status).toBe(200)
      return ((await response.json()) as { active: boolean }).active
    }

    let serve = await startServeProcess(filename)
    try {
      for (const runFor of [150, 300, 500]) {
        // Every family refreshes in a loop, each with the token its last answer gave, until the server is
        // killed under them: each loop then has one request in flight, in any state of completion.
        const url = serve.url
        const loops = families.map(async (token) => {
          let current = token
          let spent: string | undefined
          for (let round = 0; round < 100_000; round++) {
            const outcome = await refreshAt(url, current)
            // Checked after the kill: an assertion failing here would reject a promise nobody awaits yet.
            if (!outcome || outcome.status !== 200) return { current, spent, answered: outcome?.status }
            spent = current
            current = outcome.body.refresh_token ?? ''
          }
          return { current, spent, answered: undefined }
        })
        await sleep(runFor)
        await serve.kill()
        const outcomes = await Promise.all(loops)
        serve = await startServeProcess(filename)
        const survivors: string[] = []
        for (const { current, spent, answered } of outcomes) {
          expect(answered, 'every answer before the kill was a successful refresh').toBeUndefined()
          // Answered rotations are durable: a token that was replaced stays spent.
          if (spent !== undefined) expect(await activeAt(serve.url, spent)).toBe(false)
          if (await activeAt(serve.url, current)) {
            survivors.push(current) // the request in flight changed nothing
          } else {
            // It rotated, but the answer was lost: the client can only present its token, and learns clearly.
            const again = await refreshAt(serve.url, current)
            expect(again?.status).toBe(400)
            expect(again?.body).toMatchObject({ error: 'invalid_grant' })
          }
        }
        families = survivors
      }
      // Every family that survived still refreshes normally.
      for (const token of families) expect((await refreshAt(serve.url, token))?.status).toBe(200)
    } finally {
      await serve.kill()
    }
  }, 120_000)
})
