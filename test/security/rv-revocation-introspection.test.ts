/**
 * Catalogue §5 — revocation (RFC 7009) and introspection (RFC 7662) (RV).
 *
 * Tessera's introspection answers confidential clients about their own tokens only; every other token is
 * `{"active": false}`. There is no separate resource-server credential: an API introspects with its own
 * client, so RV-06's "RS credentials" are the credentials of the token's client here.
 *
 * RV-09: Tessera has no end-user account page yet; the case is run against `revokeConsent`, the
 * "disconnect this app" operation such a page (or the operator) calls.
 */
import { describe, expect, it } from 'vitest'
import { revokeConsent } from '../../src/server/admin.js'
import { Browser } from '../helpers/http-client.js'
import { basicAuth } from '../helpers/tessera.js'
import { authorizationFlow, expectBearerError, expectTokenError, introspect, isActive, postForm, refresh, registerClient, revoke, securityServerForFile, tokensFor, userinfo } from './helpers.js'

const server = await securityServerForFile()

const OFFLINE = 'openid profile offline_access'

describe('RV revocation and introspection', () => {
  it('RV-01 a revoked access token is rejected at once; revoking again or revoking garbage is 200', async () => {
    const { conf } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE })
    expect((await userinfo(server, tokens.access_token)).status).toBe(200)
    expect(await isActive(server, conf, tokens.access_token)).toBe(true)

    for (const token of [tokens.access_token, tokens.access_token, 'garbage', 'a.b.c']) {
      const response = await revoke(server, conf, token)
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
    }
    await expectBearerError(await userinfo(server, tokens.access_token), 'invalid_token')
    const introspection = await introspect(server, conf, tokens.access_token)
    expect(await introspection.json()).toEqual({ active: false })
    // Only that access token: the refresh token of the grant still works.
    expect((await refresh(server, conf, tokens.refresh_token ?? '')).status).toBe(200)

    // Another client cannot revoke conf's token (same 200, so it learns nothing, but nothing happens).
    const victim = await tokensFor(server, conf, { scope: OFFLINE })
    expect((await revoke(server, server.clients.other, victim.access_token)).status).toBe(200)
    expect((await revoke(server, server.clients.other, victim.refresh_token ?? '')).status).toBe(200)
    expect((await userinfo(server, victim.access_token)).status).toBe(200)
    expect((await refresh(server, conf, victim.refresh_token ?? '')).status).toBe(200)
  })

  it('RV-02 revoking a refresh token revokes its grant, access tokens included', async () => {
    for (const client of [server.clients.conf, server.clients.pub]) {
      const tokens = await tokensFor(server, client, { scope: OFFLINE })
      expect((await revoke(server, client, tokens.refresh_token ?? '')).status).toBe(200)
      await expectTokenError(await refresh(server, client, tokens.refresh_token ?? ''), 'invalid_grant')
      await expectBearerError(await userinfo(server, tokens.access_token), 'invalid_token')
    }
    const tokens = await tokensFor(server, server.clients.conf, { scope: OFFLINE })
    const rotated = (await (await refresh(server, server.clients.conf, tokens.refresh_token ?? '')).json()) as { access_token: string; refresh_token: string }
    expect((await revoke(server, server.clients.conf, rotated.refresh_token)).status).toBe(200)
    expect(await isActive(server, server.clients.conf, rotated.access_token)).toBe(false)
    expect(await isActive(server, server.clients.conf, tokens.access_token)).toBe(false)
  })

  it('RV-04 revocation requires client authentication from confidential clients', async () => {
    const { conf } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE })
    const anonymous = await postForm(server, '/revoke', { token: tokens.refresh_token ?? '' })
    await expectTokenError(anonymous, 'invalid_client', 401)
    const wrong = await postForm(server, '/revoke', { token: tokens.refresh_token ?? '' }, { authorization: basicAuth({ ...conf, secret: 'wrong' }) })
    await expectTokenError(wrong, 'invalid_client', 401)
    const idOnly = await postForm(server, '/revoke', { token: tokens.access_token, client_id: conf.id })
    await expectTokenError(idOnly, 'invalid_client', 401)
    // Nothing was revoked by the refused requests.
    expect(await isActive(server, conf, tokens.refresh_token ?? '')).toBe(true)
    expect(await isActive(server, conf, tokens.access_token)).toBe(true)
  })

  it('RV-05 token_type_hint is only a hint; revocation is POST only', async () => {
    const { conf } = server.clients
    const wrongHint = await tokensFor(server, conf, { scope: OFFLINE })
    expect((await revoke(server, conf, wrongHint.refresh_token ?? '', { token_type_hint: 'access_token' })).status).toBe(200)
    await expectTokenError(await refresh(server, conf, wrongHint.refresh_token ?? ''), 'invalid_grant')

    const unknownHint = await tokensFor(server, conf, { scope: OFFLINE })
    expect((await revoke(server, conf, unknownHint.access_token, { token_type_hint: 'foo' })).status).toBe(200)
    expect(await isActive(server, conf, unknownHint.access_token)).toBe(false)

    const viaGet = await fetch(`${server.url}/revoke?token=${encodeURIComponent(unknownHint.refresh_token ?? '')}`, { headers: { authorization: basicAuth(conf) } })
    expect(viaGet.status).toBe(405)
    expect(await isActive(server, conf, unknownHint.refresh_token ?? '')).toBe(true)
  })

  it('RV-06 introspection of an active token returns RFC 7662 §2.2 metadata, not cached', async () => {
    const { conf } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE })
    const response = await introspect(server, conf, tokens.access_token)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const now = Math.floor(Date.now() / 1000)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({ active: true, scope: OFFLINE, client_id: 'conf', sub: server.users.alice.id, iss: server.url, token_type: 'Bearer' })
    expect(body.exp as number).toBeGreaterThan(now)
    expect(Math.abs((body.iat as number) - now)).toBeLessThanOrEqual(5)
    expect(body.aud).toBeDefined()

    const rt = (await (await introspect(server, conf, tokens.refresh_token ?? '')).json()) as Record<string, unknown>
    expect(rt).toMatchObject({ active: true, client_id: 'conf', sub: server.users.alice.id, scope: OFFLINE, iss: server.url })

    // A client learns nothing about other clients' tokens.
    expect(await (await introspect(server, server.clients.other, tokens.access_token)).json()).toEqual({ active: false })
    expect(await (await introspect(server, server.clients.other, tokens.refresh_token ?? '')).json()).toEqual({ active: false })
  })

  it('another spelling of an active JWT access token (padded or standard-base64 signature) is inactive and refused at userinfo (RFC 7515 §2)', async () => {
    const { conf } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE })
    const [header = '', payload = '', signature = ''] = tokens.access_token.split('.')
    expect(signature).not.toBe('')
    expect(await isActive(server, conf, tokens.access_token)).toBe(true)
    const standard = Buffer.from(signature, 'base64url').toString('base64')
    for (const spelling of [`${header}.${payload}.${signature}==`, `${header}.${payload}.${standard}`]) {
      expect(await isActive(server, conf, spelling)).toBe(false)
      await expectBearerError(await userinfo(server, spelling), 'invalid_token')
    }
  })

  it('RV-08 introspection requires confidential client authentication', async () => {
    const { conf, pub } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE })
    await expectTokenError(await postForm(server, '/introspect', { token: tokens.access_token }), 'invalid_client', 401)
    await expectTokenError(await postForm(server, '/introspect', { token: tokens.access_token }, { authorization: basicAuth({ ...conf, secret: 'wrong' }) }), 'invalid_client', 401)
    await expectTokenError(await postForm(server, '/introspect', { token: tokens.access_token, client_id: conf.id }), 'invalid_client', 401)
    // A public client cannot introspect, not even its own tokens.
    const own = await tokensFor(server, pub, { scope: OFFLINE })
    await expectTokenError(await postForm(server, '/introspect', { token: own.access_token, client_id: pub.id }), 'invalid_client', 401)
    const viaGet = await fetch(`${server.url}/introspect?token=${encodeURIComponent(tokens.access_token)}`, { headers: { authorization: basicAuth(conf) } })
    expect(viaGet.status).toBe(405)
    expect(await viaGet.text()).not.toContain('"active"')
  })

  it('RV-09 disconnecting an app revokes its refresh and access tokens at once and asks for consent again', async () => {
    const conf = await registerClient(server)
    const browser = new Browser()
    const tokens = await tokensFor(server, conf, { scope: OFFLINE, browser })
    const second = await tokensFor(server, conf, { scope: OFFLINE, browser })
    const untouched = await tokensFor(server, conf, { scope: OFFLINE, user: server.users.bob })
    const result = await revokeConsent(server.store, server.users.alice.id, conf.id, Math.floor(Date.now() / 1000) + 30 * 24 * 3600)
    expect(result).toEqual({ consent: true, revokedGrants: 2 })
    for (const grant of [tokens, second]) {
      await expectTokenError(await refresh(server, conf, grant.refresh_token ?? ''), 'invalid_grant')
      await expectBearerError(await userinfo(server, grant.access_token), 'invalid_token')
      expect(await isActive(server, conf, grant.access_token)).toBe(false)
    }
    // Only alice's grants with this client: bob's still work.
    expect((await refresh(server, conf, untouched.refresh_token ?? '')).status).toBe(200)
    // The provider session stays, the consent does not: the next authorization asks again.
    const again = await authorizationFlow(server, browser, conf)
    expect(again.shown).toEqual(['consent'])
  })
})
