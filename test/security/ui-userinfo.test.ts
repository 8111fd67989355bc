/**
 * Catalogue §7 — UserInfo (UI).
 *
 * UI-04 is run for the scopes Tessera supports (`profile`, `email`); `address` and `phone` are not
 * supported scopes (refused as `invalid_scope` at the authorization endpoint), the `claims` request
 * parameter is not supported (`claims_parameter_supported: false`) and signed userinfo is not offered.
 */
import { describe, expect, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
import { clientPost, RP1 } from '../helpers/tessera.js'
import {
  authorizationRequest,
  expectBearerError,
  expectRedirectError,
  revoke,
  sendAuthorization,
  sleep,
  tokensFor,
  userinfo,
  verifyIdToken,
  securityServerForFile,
  withSecurityServer,
} from './helpers.js'

const server = await securityServerForFile()

function expectClaimsResponse(response: Response): void {
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(response.headers.get('cache-control')).toBe('no-store')
}

describe('UI userinfo', () => {
  it('UI-01 GET and POST with the Bearer header, and POST with a form body, return the ID token subject', async () => {
    const tokens = await tokensFor(server, server.clients.conf)
    const { sub } = await verifyIdToken(server, tokens.id_token ?? '', 'conf')
    const authorization = { authorization: `Bearer ${tokens.access_token}` }
    const responses = [
      await fetch(`${server.url}/userinfo`, { headers: authorization }),
      await fetch(`${server.url}/userinfo`, { method: 'POST', headers: authorization }),
      await fetch(`${server.url}/userinfo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ access_token: tokens.access_token }).toString() }),
    ]
    for (const response of responses) {
      expectClaimsResponse(response)
      expect(((await response.json()) as { sub: string }).sub).toBe(sub)
    }
    // The scheme is case-insensitive (RFC 9110 §11.1).
    expectClaimsResponse(await fetch(`${server.url}/userinfo`, { headers: { authorization: `bearer ${tokens.access_token}` } }))
    // Two methods at once is an invalid_request (RFC 6750 §2), never a 500.
    const both = await fetch(`${server.url}/userinfo`, {
      method: 'POST',
      headers: { ...authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token }).toString(),
    })
    await expectBearerError(both, 'invalid_request')
  })

  it('UI-02 missing, garbage, revoked, expired or query-string tokens get a Bearer challenge', async () => {
    await expectBearerError(await fetch(`${server.url}/userinfo`), undefined)
    for (const token of ['garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
      await expectBearerError(await userinfo(server, token), 'invalid_token')
    }
    const tokens = await tokensFor(server, server.clients.conf)
    // An ID token is not an access token.
    await expectBearerError(await userinfo(server, tokens.id_token ?? ''), 'invalid_token')
    // RFC 9700 §4.3.2: the URI query method is not accepted; the request counts as carrying no token.
    await expectBearerError(await fetch(`${server.url}/userinfo?access_token=${encodeURIComponent(tokens.access_token)}`), undefined)
    expect((await revoke(server, server.clients.conf, tokens.access_token)).status).toBe(200)
    await expectBearerError(await userinfo(server, tokens.access_token), 'invalid_token')
    // A client-credentials token has no user and no openid scope.
    const cc = (await (await clientPost(server, '/token', server.clients.m2m, { grant_type: 'client_credentials' })).json()) as { access_token: string }
    await expectBearerError(await userinfo(server, cc.access_token), 'insufficient_scope')

    // Five seconds, not one: on a loaded machine (CI runs two Node versions at once) a one-second token had
    // expired before its first use. The wait runs from the moment it was issued.
    await withSecurityServer({ lifetimes: { accessToken: 5 } }, async (short) => {
      const expiring = await tokensFor(short, short.clients.conf)
      const issued = Date.now()
      expect((await userinfo(short, expiring.access_token)).status).toBe(200)
      await sleep(Math.max(0, issued + 6100 - Date.now()))
      await expectBearerError(await userinfo(short, expiring.access_token), 'invalid_token')
    })
  })

  it('UI-04 claims follow the granted scopes', async () => {
    const { conf } = server.clients
    const claimsFor = async (scope: string): Promise<Record<string, unknown>> => {
      const tokens = await tokensFor(server, conf, { scope })
      const response = await userinfo(server, tokens.access_token)
      expectClaimsResponse(response)
      return (await response.json()) as Record<string, unknown>
    }
    const sub = server.users.alice.id
    expect(await claimsFor('openid')).toEqual({ sub })
    const profile = await claimsFor('openid profile')
    expect(profile).toMatchObject({ sub, name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', preferred_username: 'alice' })
    expect(profile).not.toHaveProperty('email')
    const email = await claimsFor('openid email')
    expect(email).toEqual({ sub, email: 'alice@example.com', email_verified: true })
    const all = await claimsFor('openid profile email')
    expect(all).toMatchObject({ sub, name: 'Alice Liddell', email: 'alice@example.com', email_verified: true })
    for (const scope of ['openid address', 'openid phone']) {
      const { params } = authorizationRequest(conf, { scope })
      expectRedirectError(await sendAuthorization(server, new Browser(), params), { redirectUri: RP1, error: 'invalid_scope', state: 'state-123', iss: server.url })
    }
  })
})
