/**
 * The tokens of a user grant (src/server/grants/issue.ts), shared by the code and refresh grants: a
 * refresh token only for clients registered for it and, in OpenID requests, only with `offline_access`
 * (OIDC Core §11); an ID token for `openid` (OIDC Core §2, §3.1.3.6); nothing for a deleted user.
 */
import { createHash } from 'node:crypto'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/crypto/random.js'
import { mayIssueRefreshToken } from '../../../src/server/grants/issue.js'
import type { ClientRecord } from '../../../src/storage/types.js'
import { newPkce } from '../../helpers/pkce.js'
import { createHarness, ISSUER, json, REDIRECT_URI, START } from '../../helpers/server-values.js'

describe('mayIssueRefreshToken', () => {
  const client = (grantTypes: string[]) => ({ grant_types: grantTypes }) as ClientRecord

  it('needs the refresh grant, and offline_access in an OpenID request', () => {
    expect(mayIssueRefreshToken(client(['authorization_code', 'refresh_token']), ['openid', 'offline_access'])).toBe(true)
    expect(mayIssueRefreshToken(client(['authorization_code', 'refresh_token']), ['openid', 'notes:read'])).toBe(false)
    expect(mayIssueRefreshToken(client(['authorization_code', 'refresh_token']), ['notes:read'])).toBe(true)
    expect(mayIssueRefreshToken(client(['authorization_code']), ['openid', 'offline_access'])).toBe(false)
    expect(mayIssueRefreshToken(client(['authorization_code']), ['notes:read'])).toBe(false)
  })
})

describe('user grant tokens', () => {
  it('issue no refresh token for an OpenID request without offline_access', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens({ scope: 'openid notes:read' })
    expect(tokens).not.toHaveProperty('refresh_token')
    expect(tokens.id_token).toEqual(expect.any(String))
  })

  it('issue a refresh token and no ID token for a plain OAuth request', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens({ scope: 'notes:read' })
    expect(tokens.refresh_token).toMatch(/^[\w-]{43}$/)
    expect(tokens).not.toHaveProperty('id_token')
  })

  it('issue no refresh token to a client not registered for the refresh grant', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens({ client: 'post' })
    expect(tokens.scope).toBe('openid offline_access notes:read')
    expect(tokens).not.toHaveProperty('refresh_token')
  })

  it('issue an ID token for the client, with nonce, session, auth_time and at_hash (OIDC Core §3.1.3.6)', async () => {
    const harness = await createHarness()
    harness.clock.now = START + 5
    const tokens = await harness.tokens({ scope: 'openid profile', params: { nonce: 'nonce-1' } })
    const idToken = tokens.id_token ?? ''
    expect(decodeProtectedHeader(idToken)).toMatchObject({ alg: 'RS256', typ: 'JWT' })
    const digest = createHash('sha256').update(tokens.access_token).digest()
    expect(decodeJwt(idToken)).toEqual({
      iss: ISSUER, sub: harness.alice.id, aud: 'app', azp: 'app', iat: START + 5, exp: START + 5 + 3600, auth_time: START + 5,
      // RFC 8176: signed in with the password form.
      acr: 'urn:tessera:pwd', amr: ['pwd'],
      nonce: 'nonce-1', sid: expect.stringMatching(/^[\w-]{22}$/), at_hash: digest.subarray(0, 16).toString('base64url'),
      name: 'Alice Liddell', preferred_username: 'alice', updated_at: START,
    })
  })

  it('issue an access token for the user, bound to the grant (RFC 9068 §2.2)', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
    expect(decodeJwt(tokens.access_token)).toEqual({
      iss: ISSUER, sub: harness.alice.id, aud: `${ISSUER}/api`, client_id: 'app', scope: 'openid offline_access notes:read',
      jti: expect.stringMatching(/^[\w-]+\.[\w-]+$/), iat: START, exp: START + 3600, auth_time: START, acr: 'urn:tessera:pwd',
    })
  })

  it('end with the user: a code whose user no longer exists is invalid_grant', async () => {
    const harness = await createHarness()
    // The memory store deletes a user's codes with the user; a code left behind by a store that does not
    // (or written between the two) must not issue tokens either (catalogue ST-05).
    const pkce = newPkce()
    await harness.store.codes.save({
      code_hash: sha256('orphaned-code'), client_id: 'app', user_id: 'deleted-user', redirect_uri: REDIRECT_URI, scopes: ['openid'], resources: [],
      nonce: null, code_challenge: pkce.challenge, code_challenge_method: 'S256', auth_time: START, session_id: null, grant_id: 'grant-1',
      expires_at: START + 60, consumed_at: null,
    })
    const response = await harness.exchange({ code: 'orphaned-code', verifier: pkce.verifier })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_grant', error_description: 'The grant is no longer valid' })
  })
})
