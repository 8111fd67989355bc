/**
 * The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.6): the code is single use, bound to its
 * client, redirect URI and PKCE challenge; a replay revokes every token the first use produced
 * (RFC 6749 §4.1.2, RFC 9700 §4.2.4).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../../src/storage/memory.js'
import { openSqliteStore } from '../../../src/storage/sqlite.js'
import { newPkce } from '../../helpers/pkce.js'
import { createHarness, ISSUER, json, NOTES_API, REDIRECT_URI, START, type Harness } from '../../helpers/server-values.js'

const INVALID = 'The authorization code is invalid, expired or already used'
const dir = mkdtempSync(join(tmpdir(), 'tessera-code-grant-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

async function active(harness: Harness, token: string): Promise<boolean> {
  return json(await harness.post('/introspect', 'app', { token })).active === true
}

describe('authorization_code grant', () => {
  it('exchanges a code for access, refresh and ID tokens, not cacheable', async () => {
    const harness = await createHarness()
    const response = await harness.exchange(await harness.authorizationCode())
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('pragma')).toBe('no-cache')
    expect(json(response)).toEqual({
      access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'openid offline_access notes:read',
      refresh_token: expect.stringMatching(/^[\w-]{43}$/), id_token: expect.any(String),
    })
  })

  it('accepts a code once: the second use is invalid_grant and revokes what the first one issued', async () => {
    const harness = await createHarness()
    const issued = await harness.authorizationCode()
    const first = json(await harness.exchange(issued))
    const replay = await harness.exchange(issued)
    expect(replay.status).toBe(400)
    expect(json(replay)).toEqual({ error: 'invalid_grant', error_description: INVALID })
    expect(await active(harness, String(first.access_token))).toBe(false)
    expect(await active(harness, String(first.refresh_token))).toBe(false)
    const refreshed = await harness.post('/token', 'app', { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) })
    expect(json(refreshed).error).toBe('invalid_grant')
    await harness.server.audit.flush()
    expect(await harness.store.audit.list({ type: 'authorization_code.replayed', limit: 10 })).toMatchObject([{ client_id: 'app', subject: harness.alice.id }])
  })

  // RFC 6749 §4.1.2: of concurrent exchanges of one code exactly one gets tokens, and the others' replay
  // revokes them, on the memory store and on SQLite (whose consume is one conditional UPDATE).
  for (const [name, open] of [['memory', () => createMemoryStore()], ['SQLite', () => openSqliteStore({ filename: join(dir, `store-${++files}.db`) })]] as const) {
    it(`lets one of 10 concurrent exchanges of a code win on the ${name} store; the others revoke its tokens`, async () => {
      const store = await open()
      const harness = await createHarness({ store })
      const issued = await harness.authorizationCode()
      const responses = await Promise.all(Array.from({ length: 10 }, () => harness.exchange(issued)))
      const [winner, ...others] = responses.filter((response) => response.status === 200)
      expect(others).toEqual([])
      for (const response of responses) if (response.status !== 200) expect(json(response)).toEqual({ error: 'invalid_grant', error_description: INVALID })
      if (!winner) throw new Error('no exchange won')
      const first = json(winner)
      expect(await active(harness, String(first.refresh_token))).toBe(false)
      expect(await active(harness, String(first.access_token))).toBe(false)
      await store.close()
    })
  }

  it('refuses a code_verifier that does not match the challenge, and a missing one', async () => {
    const harness = await createHarness()
    const issued = await harness.authorizationCode()
    const mismatch = await harness.exchange({ code: issued.code, verifier: newPkce().verifier })
    expect(mismatch.status).toBe(400)
    expect(json(mismatch)).toEqual({ error: 'invalid_grant', error_description: 'PKCE verification failed' })

    const other = await harness.authorizationCode()
    const missing = await harness.post('/token', 'app', { grant_type: 'authorization_code', code: other.code, redirect_uri: REDIRECT_URI })
    expect(json(missing)).toEqual({ error: 'invalid_grant', error_description: 'code_verifier is required' })
  })

  it('consumes the code even when the verifier is wrong: the right verifier afterwards is a replay', async () => {
    const harness = await createHarness()
    const issued = await harness.authorizationCode()
    expect(json(await harness.exchange({ code: issued.code, verifier: newPkce().verifier })).error).toBe('invalid_grant')
    expect(json(await harness.exchange(issued))).toEqual({ error: 'invalid_grant', error_description: INVALID })
  })

  it('binds the code to the redirect URI of the authorization request', async () => {
    const harness = await createHarness()
    const issued = await harness.authorizationCode()
    const response = await harness.post('/token', 'app', { grant_type: 'authorization_code', code: issued.code, code_verifier: issued.verifier, redirect_uri: `${REDIRECT_URI}2` })
    expect(json(response)).toEqual({ error: 'invalid_grant', error_description: 'redirect_uri does not match the authorization request' })
    const other = await harness.authorizationCode()
    const without = await harness.post('/token', 'app', { grant_type: 'authorization_code', code: other.code, code_verifier: other.verifier })
    expect(json(without)).toEqual({ error: 'invalid_grant', error_description: 'redirect_uri does not match the authorization request' })
  })

  it('binds the code to its client: another client gets invalid_grant (RFC 6749 §4.1.3)', async () => {
    const harness = await createHarness()
    const issued = await harness.authorizationCode()
    expect(json(await harness.exchange(issued, 'other'))).toEqual({ error: 'invalid_grant', error_description: INVALID })
  })

  it('expires the code after lifetimes.authorizationCode', async () => {
    const harness = await createHarness()
    const issued = await harness.authorizationCode()
    harness.clock.now = START + 60
    expect(json(await harness.exchange(issued))).toEqual({ error: 'invalid_grant', error_description: INVALID })
  })

  it('answers an unknown code with invalid_grant and a missing one with invalid_request', async () => {
    const harness = await createHarness()
    expect(json(await harness.exchange({ code: 'never-issued', verifier: newPkce().verifier }))).toEqual({ error: 'invalid_grant', error_description: INVALID })
    const missing = await harness.post('/token', 'app', { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI })
    expect(missing.status).toBe(400)
    expect(json(missing)).toEqual({ error: 'invalid_request', error_description: 'Missing parameter code' })
  })

  it('refuses a code whose grant was revoked before it was used (the user disconnected the app)', async () => {
    const harness = await createHarness()
    const issued = await harness.authorizationCode()
    await harness.store.grants.revokeByUserAndClient(harness.alice.id, 'app', START + 3600)
    expect(json(await harness.exchange(issued))).toEqual({ error: 'invalid_grant', error_description: INVALID })
  })

  it('lets a public client exchange its code with PKCE and its client_id alone', async () => {
    const harness = await createHarness()
    const response = await harness.exchange(await harness.authorizationCode({ client: 'pub' }), 'pub')
    expect(response.status).toBe(200)
    expect(json(response)).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) })
  })

  it('gives the access token the resource asked for at the authorization endpoint (RFC 8707)', async () => {
    const harness = await createHarness()
    // Without `resource` a token granted only `openid` is for the issuer itself (userinfo).
    const plain = await harness.tokens({ scope: 'openid' })
    expect(json(await harness.post('/introspect', 'app', { token: plain.access_token }))).toMatchObject({ active: true, aud: ISSUER })
    const tokens = await harness.tokens({ scope: 'openid', params: { resource: NOTES_API } })
    expect(json(await harness.post('/introspect', 'app', { token: tokens.access_token }))).toMatchObject({ active: true, aud: NOTES_API })
  })

  it('records the issue in the audit trail with ids, never token values', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    await harness.server.audit.flush()
    const records = await harness.store.audit.list({ type: 'token.issued', limit: 10 })
    expect(records).toMatchObject([{
      client_id: 'app', subject: harness.alice.id,
      details: { grant_type: 'authorization_code', scopes: ['openid', 'offline_access', 'notes:read'], refresh_token_issued: true, id_token_issued: true },
    }])
    const serialized = JSON.stringify(records)
    for (const value of [tokens.access_token, tokens.refresh_token ?? '', tokens.id_token ?? '']) expect(serialized).not.toContain(value)
  })
})
