/**
 * The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2): a client or redirect URI that
 * cannot be trusted gets an error page, never a redirect (§4.1.2.1); every other error is redirected with
 * `state` and `iss` (RFC 9207); PKCE S256 is required (RFC 9700 §2.1.1).
 */
import { describe, expect, it } from 'vitest'
import { createClient } from '../../../src/server/admin.js'
import type { OAuthResponse } from '../../../src/http/types.js'
import { newPkce } from '../../helpers/pkce.js'
import { authorizationQuery, createHarness, ISSUER, location, REDIRECT_URI, START, text, type Harness } from '../../helpers/server-values.js'

const { challenge } = newPkce()

function expectErrorPage(response: OAuthResponse, status: number, code: string, message: string): void {
  expect(response.status).toBe(status)
  expect(response.headers.get('location')).toBeNull()
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
  const page = text(response)
  expect(page).toContain(`Error code: ${code}`)
  expect(page).toContain(message)
}

/** The query of an error redirected to the client, as entries. */
function redirectedError(response: OAuthResponse): Record<string, string> {
  const target = location(response)
  expect(`${target.origin}${target.pathname}`).toBe(REDIRECT_URI)
  return Object.fromEntries(target.searchParams)
}

const authorize = (harness: Harness, params: Record<string, string> = {}, scope?: string) => harness.send('GET', authorizationQuery('app', challenge, scope, params))

describe('authorization endpoint', () => {
  describe('shows an error page, never a redirect, when the client or redirect URI cannot be trusted', () => {
    it('for an unknown client', async () => {
      const harness = await createHarness()
      expectErrorPage(await authorize(harness, { client_id: 'nobody' }), 400, 'invalid_client', 'Unknown client')
    })

    it('for a missing client_id', async () => {
      const harness = await createHarness()
      expectErrorPage(await authorize(harness, { client_id: '' }), 400, 'invalid_request', 'Missing client_id')
    })

    it('for a redirect URI the client did not register, compared exactly (RFC 9700 §4.1.3)', async () => {
      const harness = await createHarness()
      for (const uri of ['https://evil.example/cb', `${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, 'http://127.0.0.1:5001/cb']) {
        const response = await authorize(harness, { redirect_uri: uri })
        expectErrorPage(response, 400, 'invalid_request', 'redirect_uri is not registered for this client')
        expect(text(response)).not.toContain('evil.example')
      }
    })

    it('for a missing redirect URI', async () => {
      const harness = await createHarness()
      expectErrorPage(await authorize(harness, { redirect_uri: '' }), 400, 'invalid_request', 'Missing redirect_uri')
    })
  })

  describe('redirects every other error to the client with state and iss (RFC 6749 §4.1.2.1, RFC 9207)', () => {
    const cases: [string, Record<string, string>, string, string][] = [
      ['no code_challenge', { code_challenge: '' }, 'invalid_request', 'code_challenge is required (PKCE)'],
      ['the plain PKCE method', { code_challenge_method: 'plain' }, 'invalid_request', 'code_challenge_method must be S256'],
      ['no PKCE method (RFC 7636 defaults to plain)', { code_challenge_method: '' }, 'invalid_request', 'code_challenge_method must be S256'],
      ['a malformed challenge', { code_challenge: 'short' }, 'invalid_request', 'Malformed code_challenge'],
      ['response_type=token', { response_type: 'token' }, 'unsupported_response_type', 'Only response_type=code is supported'],
      ['no response_type', { response_type: '' }, 'invalid_request', 'Missing response_type'],
      ['an unknown scope', { scope: 'openid admin' }, 'invalid_scope', 'The requested scope is unknown or not allowed for this client'],
      ['no scope', { scope: '' }, 'invalid_scope', 'scope is required'],
      ['a request object', { request: 'eyJ.e30.' }, 'request_not_supported', 'Request objects are not supported'],
      ['response_mode=fragment', { response_mode: 'fragment' }, 'invalid_request', 'Only response_mode=query is supported'],
      ['prompt=none with login', { prompt: 'none login' }, 'invalid_request', 'prompt=none cannot be combined'],
    ]
    for (const [name, params, error, description] of cases) {
      it(`for ${name}`, async () => {
        const harness = await createHarness()
        const response = await authorize(harness, params)
        expect(response.headers.get('referrer-policy')).toBe('no-referrer')
        expect(redirectedError(response)).toEqual({ error, error_description: description, state: 'state-1', iss: ISSUER })
      })
    }

    it('for a repeated parameter', async () => {
      const harness = await createHarness()
      const response = await harness.send('GET', `${authorizationQuery('app', challenge)}&scope=openid`)
      expect(redirectedError(response)).toEqual({ error: 'invalid_request', error_description: 'Parameter scope was repeated', state: 'state-1', iss: ISSUER })
    })

    it('for a client not registered for the code grant', async () => {
      const harness = await createHarness()
      await createClient(harness.store, { name: 'Job', clientId: 'job', grantTypes: ['client_credentials'], redirectUris: [REDIRECT_URI], scopes: ['openid'] }, START)
      const response = await authorize(harness, { client_id: 'job', scope: 'openid' })
      expect(redirectedError(response)).toMatchObject({ error: 'unauthorized_client', state: 'state-1', iss: ISSUER })
    })
  })

  it('hands a valid request without a session to the login interaction, binding it to this browser', async () => {
    const harness = await createHarness()
    const response = await authorize(harness)
    const interaction = location(response)
    expect(interaction.href).toMatch(new RegExp(`^${ISSUER}/interaction/[A-Za-z0-9_-]{32}$`))
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^tessera-browser=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/)])
    const stored = await harness.store.interactions.get(interaction.pathname.split('/').pop() ?? '', START)
    expect(stored).toMatchObject({ user_id: null, created_at: START, expires_at: START + 600 })
    expect(JSON.parse(stored?.request ?? '{}')).toMatchObject({ client_id: 'app', redirect_uri: REDIRECT_URI, code_challenge: challenge, state: 'state-1' })
  })

  it('accepts the request as a POSTed form (OIDC Core §3.1.2.1)', async () => {
    const harness = await createHarness()
    const query = new URL(authorizationQuery('app', challenge), ISSUER).searchParams
    const response = await harness.send('POST', '/authorize', { form: Object.fromEntries(query) })
    expect(location(response).pathname).toMatch(/^\/interaction\//)
  })

  it('returns the code with state and iss (RFC 9207) once the user has logged in and consented', async () => {
    const harness = await createHarness()
    const { redirect } = await harness.authorizationCode()
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI)
    expect([...redirect.searchParams.keys()]).toEqual(['code', 'state', 'iss'])
    expect(redirect.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(redirect.searchParams.get('state')).toBe('state-1')
    expect(redirect.searchParams.get('iss')).toBe(ISSUER)
  })

  it('answers at once for a logged-in user who consented to these scopes', async () => {
    const harness = await createHarness()
    const { browser } = await harness.authorizationCode()
    const again = await browser.get(authorizationQuery('app', challenge, 'openid', { state: 'state-2' }))
    const target = location(again)
    expect(`${target.origin}${target.pathname}`).toBe(REDIRECT_URI)
    expect(target.searchParams.get('state')).toBe('state-2')
    expect(target.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('asks for consent again when the scopes grow beyond the earlier consent', async () => {
    const harness = await createHarness()
    const { browser } = await harness.authorizationCode({ scope: 'openid' })
    const again = await browser.get(authorizationQuery('app', challenge, 'openid notes:write'))
    expect(location(again).pathname).toMatch(/^\/interaction\//)
  })

  describe('prompt (OIDC Core §3.1.2.1)', () => {
    it('none without a session: login_required, redirected', async () => {
      const harness = await createHarness()
      expect(redirectedError(await authorize(harness, { prompt: 'none' }))).toEqual({ error: 'login_required', error_description: 'The user is not logged in', state: 'state-1', iss: ISSUER })
    })

    it('none with a session but no consent for this client: consent_required', async () => {
      const harness = await createHarness()
      const { browser } = await harness.authorizationCode()
      const response = await browser.get(authorizationQuery('other', challenge, undefined, { prompt: 'none' }))
      expect(redirectedError(response)).toEqual({ error: 'consent_required', error_description: 'The user has not consented', state: 'state-1', iss: ISSUER })
    })

    it('login forces the login form despite a session', async () => {
      const harness = await createHarness()
      const { browser } = await harness.authorizationCode()
      const response = await browser.get(authorizationQuery('app', challenge, undefined, { prompt: 'login' }))
      const page = await browser.get(location(response))
      expect(page.status).toBe(200)
      expect(text(page)).toContain('name="password"')
    })

    it('max_age shorter than the time since login forces the login form', async () => {
      const harness = await createHarness()
      const { browser } = await harness.authorizationCode()
      harness.clock.now = START + 120
      const fresh = await browser.get(authorizationQuery('app', challenge, undefined, { max_age: '300' }))
      expect(location(fresh).searchParams.get('code')).not.toBeNull()
      const stale = await browser.get(authorizationQuery('app', challenge, undefined, { max_age: '60' }))
      expect(location(stale).pathname).toMatch(/^\/interaction\//)
    })
  })
})
