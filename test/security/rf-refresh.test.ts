/**
 * Catalogue §4 — refresh tokens (RF).
 *
 * Chosen behaviours the catalogue asks to document (RF-06, RF-07):
 * - Logging out of the provider ends the browser session only; refresh tokens granted with
 *   `offline_access` keep working (RFC 9700 §4.14.2 makes revocation on logout a MAY). A client that
 *   wants them gone revokes them (RFC 7009), see SC-03.
 * - Password change: Tessera has no password-change operation yet, so there is nothing to revoke on.
 * - Refresh tokens have an absolute family lifetime (`lifetimes.refreshToken`) that rotation never
 *   extends; there is no separate idle timeout, so the idle half of RF-07 is not applicable.
 */
import { describe, expect, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
import { clientPost } from '../helpers/tessera.js'
import {
  authorizationFlow,
  decodePayload,
  expectBearerError,
  expectTokenError,
  introspect,
  redeem,
  refresh,
  registerClient,
  revoke,
  sleep,
  tokensFor,
  userinfo,
  verifyIdToken,
  securityServerForFile,
  withSecurityServer,
} from './helpers.js'

const server = await securityServerForFile()

const OFFLINE = 'openid profile offline_access'

interface Refreshed {
  access_token: string
  refresh_token: string
  id_token?: string
  scope: string
}

async function refreshed(response: Response): Promise<Refreshed> {
  const body = (await response.json()) as Refreshed
  expect(response.status, JSON.stringify(body)).toBe(200)
  expect(response.headers.get('cache-control')).toBe('no-store')
  return body
}

describe('RF refresh tokens', () => {
  it('RF-01 refresh returns new tokens; a refreshed ID token keeps iss, sub, aud, azp and auth_time, without nonce', async () => {
    for (const client of [server.clients.conf, server.clients.pub]) {
      const first = await tokensFor(server, client, { scope: OFFLINE, overrides: { nonce: 'N-RF' } })
      expect(first.refresh_token).toBeTypeOf('string')
      await sleep(1100)
      const next = await refreshed(await refresh(server, client, first.refresh_token ?? ''))
      expect(next.access_token).not.toBe(first.access_token)
      // Tessera rotates for every client; RFC 9700 §4.14.2 requires it for public ones.
      expect(next.refresh_token).toBeTypeOf('string')
      expect(next.refresh_token).not.toBe(first.refresh_token)
      expect(next.scope).toBe(OFFLINE)
      expect((await userinfo(server, next.access_token)).status).toBe(200)

      const before = await verifyIdToken(server, first.id_token ?? '', client.id)
      const after = await verifyIdToken(server, next.id_token ?? '', client.id)
      expect(after.iss).toBe(before.iss)
      expect(after.sub).toBe(before.sub)
      expect(after.aud).toBe(before.aud)
      expect(after.azp).toBe(before.azp)
      expect(after.auth_time).toBe(before.auth_time)
      expect(after.iat).toBeGreaterThan(before.iat ?? Infinity)
      expect(before.nonce).toBe('N-RF')
      expect(after).not.toHaveProperty('nonce')
    }
  })

  it('RF-02 a refresh token is bound to the client it was issued to', async () => {
    const { conf, other, pub } = server.clients
    const tokens = await tokensFor(server, other, { scope: OFFLINE })
    await expectTokenError(await refresh(server, conf, tokens.refresh_token ?? ''), 'invalid_grant')
    await expectTokenError(await refresh(server, pub, tokens.refresh_token ?? ''), 'invalid_grant')
    const publicTokens = await tokensFor(server, pub, { scope: OFFLINE })
    await expectTokenError(await refresh(server, conf, publicTokens.refresh_token ?? ''), 'invalid_grant')
  })

  it('RF-04 presenting a rotated refresh token revokes the whole family', async () => {
    const { pub, conf } = server.clients
    const first = await tokensFor(server, pub, { scope: OFFLINE })
    const second = await refreshed(await refresh(server, pub, first.refresh_token ?? ''))
    await expectTokenError(await refresh(server, pub, first.refresh_token ?? ''), 'invalid_grant')
    await expectTokenError(await refresh(server, pub, second.refresh_token), 'invalid_grant')
    await expectBearerError(await userinfo(server, second.access_token), 'invalid_token')
    await expectBearerError(await userinfo(server, first.access_token), 'invalid_token')

    // Same for a confidential client, where introspection makes it observable.
    const c1 = await tokensFor(server, conf, { scope: OFFLINE })
    const c2 = await refreshed(await refresh(server, conf, c1.refresh_token ?? ''))
    expect(((await (await introspect(server, conf, c2.access_token)).json()) as { active: boolean }).active).toBe(true)
    await expectTokenError(await refresh(server, conf, c1.refresh_token ?? ''), 'invalid_grant')
    await expectTokenError(await refresh(server, conf, c2.refresh_token), 'invalid_grant')
    expect(await (await introspect(server, conf, c2.access_token)).json()).toEqual({ active: false })
    expect(await (await introspect(server, conf, c2.refresh_token)).json()).toEqual({ active: false })
  })

  it('RF-06 revoked, tampered, truncated or foreign refresh tokens are invalid_grant', async () => {
    const { conf } = server.clients
    const flip = (token: string, index: number): string => token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1)

    const revoked = await tokensFor(server, conf, { scope: OFFLINE })
    expect((await revoke(server, conf, revoked.refresh_token ?? '')).status).toBe(200)
    await expectTokenError(await refresh(server, conf, revoked.refresh_token ?? ''), 'invalid_grant')

    const live = await tokensFor(server, conf, { scope: OFFLINE })
    const rt = live.refresh_token ?? ''
    const foreign = await withSecurityServer({}, async (other) => (await tokensFor(other, other.clients.conf, { scope: OFFLINE })).refresh_token ?? '')
    for (const bad of [flip(rt, 0), flip(rt, rt.length - 1), flip(rt, 20), rt.slice(0, -1), rt.slice(0, 20), `${rt}A`, ` ${rt}`, live.access_token, live.id_token ?? '', foreign]) {
      await expectTokenError(await refresh(server, conf, bad), 'invalid_grant')
    }
    // None of the attempts harmed the genuine token.
    expect((await refresh(server, conf, rt)).status).toBe(200)

    // Chosen behaviour (see the file comment): provider logout leaves offline refresh tokens alone.
    const browser = new Browser()
    const offline = await tokensFor(server, conf, { scope: OFFLINE, browser })
    const logout = await browser.get(`${server.url}/logout?${new URLSearchParams({ id_token_hint: offline.id_token ?? '' }).toString()}`)
    expect(logout.status).toBe(200)
    expect(browser.jar.get('tessera-session')).toBeUndefined()
    expect((await refresh(server, conf, offline.refresh_token ?? '')).status).toBe(200)
  })

  it('RF-07 a refresh family ends at its absolute lifetime, however often it is used', async () => {
    await withSecurityServer({ lifetimes: { refreshToken: 2 } }, async (short) => {
      const { conf } = short.clients
      const tokens = await tokensFor(short, conf, { scope: OFFLINE })
      const used = await refreshed(await refresh(short, conf, tokens.refresh_token ?? ''))
      // Rotation keeps the family's end: the new token expires with the first.
      const introspected = (await (await introspect(short, conf, used.refresh_token)).json()) as { exp: number }
      expect(introspected.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 2)
      await sleep(2200)
      await expectTokenError(await refresh(short, conf, used.refresh_token), 'invalid_grant')
    })
  })

  it('RF-08 refresh tokens only where policy allows, in RFC 6749 A.17 characters', async () => {
    const { conf } = server.clients
    // OIDC Core §11: an OpenID request without offline_access gets no refresh token.
    const online = await tokensFor(server, conf, { scope: 'openid profile' })
    expect(online).not.toHaveProperty('refresh_token')

    // A client not registered for refresh_token gets none, even with offline_access, and cannot refresh.
    const noRefresh = await registerClient(server, { grants: ['authorization_code'] })
    const withoutGrant = await tokensFor(server, noRefresh, { scope: OFFLINE })
    expect(withoutGrant).not.toHaveProperty('refresh_token')
    const offline = await tokensFor(server, conf, { scope: OFFLINE })
    await expectTokenError(await refresh(server, noRefresh, offline.refresh_token ?? ''), 'unauthorized_client')

    // offline_access without prompt=consent: the consent screen is shown (it names offline access), and is
    // the condition OIDC Core §11 asks for; then a refresh token is issued.
    const fresh = await registerClient(server)
    const flow = await authorizationFlow(server, new Browser(), fresh, { overrides: { scope: OFFLINE } })
    expect(flow.shown).toContain('consent')
    expect(flow.consentHtml).toContain('Stay connected')
    const body = (await (await redeem(server, fresh, flow)).json()) as { refresh_token?: string }
    // A.17: refresh-token = 1*VSCHAR; Tessera's are 256-bit base64url.
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // Refresh tokens are opaque: not a JWT, nothing to decode.
    expect(() => decodePayload(body.refresh_token ?? '')).toThrow()

    // Client credentials never yield one (TK-08), and the refresh grant is refused for such clients.
    const m2mRefresh = await clientPost(server, '/token', server.clients.m2m, { grant_type: 'refresh_token', refresh_token: offline.refresh_token ?? '' })
    await expectTokenError(m2mRefresh, 'unauthorized_client')
  })
})
