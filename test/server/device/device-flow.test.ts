import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createClient } from '../../../src/server/admin.js'
import { deviceAuthorization, DEVICE_CODE_GRANT_TYPE } from '../../../src/server/device/index.js'
import { setClientRequireMfa } from '../../../src/server/mfa/policy.js'
import { dynamicRegistration } from '../../../src/server/rfc7591/index.js'
import { DEVICE_CODE, DEVICE_USER_CODE } from '../../../src/storage/kinds/device-codes.js'
import { decodeUnverified } from '../../../src/jwt/verify.js'
import { ALICE, basic, createHarness, csrfTokenOf, ISSUER, json, location, NOTES_API, START, text, type Browser, type Harness } from '../../helpers/server-values.js'

/**
 * The device flow through `server.handle()` with a fixed clock: what is stored, the polling answers of
 * RFC 8628 §3.5 second by second, the verification page's steps, and the tokens. The catalogue's DV cases
 * over HTTP are in test/security/dv-device.test.ts.
 */

const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url')

interface Started { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number }

async function deviceHarness(options: Parameters<typeof deviceAuthorization>[0] = {}): Promise<Harness> {
  const harness = await createHarness({ capabilities: [deviceAuthorization(options)] })
  // `tv`: public, device grant and refresh, no redirect URI; `box`: confidential, device grant only.
  await createClient(harness.store, { name: 'Living-room TV', clientId: 'tv', authMethod: 'none', grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'], scopes: ['openid', 'offline_access', 'notes:read'] }, START, { registry: harness.server.registry })
  await createClient(harness.store, { name: 'Set-top box', clientId: 'box', clientSecret: 'box-secret', authMethod: 'client_secret_basic', grantTypes: [DEVICE_CODE_GRANT_TYPE], scopes: ['notes:read'] }, START, { registry: harness.server.registry })
  return harness
}

async function start(harness: Harness, form: Record<string, string> = {}, clientId = 'tv'): Promise<Started> {
  const response = await harness.send('POST', '/device_authorization', { form: { client_id: clientId, scope: 'openid offline_access notes:read', ...form } })
  expect(response.status, text(response)).toBe(200)
  return json(response) as unknown as Started
}

function poll(harness: Harness, deviceCode: string, clientId = 'tv', extra: Record<string, string> = {}) {
  return harness.send('POST', '/token', { form: { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: clientId, ...extra } })
}

/** The verification page as alice: sign in through /authorize, arrive with the code, submit it; the approval page. */
async function confirmationPage(harness: Harness, userCode: string, browser = harness.browser()): Promise<{ browser: Browser; page: ReturnType<Harness['send']> extends Promise<infer R> ? R : never }> {
  let response = await browser.get(`${ISSUER}/device?user_code=${encodeURIComponent(userCode)}`)
  for (let step = 0; step < 6 && response.status === 303; step++) {
    const next = location(response)
    response = next.pathname.startsWith('/interaction/') ? await browser.logIn(next, ALICE) : await browser.get(next)
  }
  expect(response.status, text(response).slice(0, 300)).toBe(200)
  expect(text(response)).toContain(`value="${userCode}"`)
  const page = await browser.post(`${ISSUER}/device`, { csrf_token: csrfTokenOf(response), user_code: userCode })
  return { browser, page }
}

async function decide(harness: Harness, userCode: string, decision: 'approve' | 'deny') {
  const { browser, page } = await confirmationPage(harness, userCode)
  expect(page.status, text(page).slice(0, 300)).toBe(200)
  return browser.post(`${ISSUER}/device`, { csrf_token: csrfTokenOf(page), user_code: userCode, decision })
}

describe('device authorization endpoint', () => {
  it('validates its options at construction, naming the field', () => {
    expect(() => deviceAuthorization({ lifetimeSeconds: 901 })).toThrow(/lifetimeSeconds must be an integer from 60 to 900/)
    expect(() => deviceAuthorization({ intervalSeconds: 0 })).toThrow(/intervalSeconds/)
    expect(() => deviceAuthorization({ userCodeFailures: 1.5 })).toThrow(/userCodeFailures/)
  })

  it('answers the RFC 8628 §3.2 members and stores only hashes, for expires_in', async () => {
    const harness = await deviceHarness({ lifetimeSeconds: 300, intervalSeconds: 7 })
    const started = await start(harness)
    expect(started).toMatchObject({ verification_uri: `${ISSUER}/device`, expires_in: 300, interval: 7 })
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    expect(started.verification_uri_complete).toBe(`${ISSUER}/device?user_code=${started.user_code}`)
    expect(Buffer.from(started.device_code, 'base64url').length).toBeGreaterThanOrEqual(32)
    const stored = await harness.store.records.get(DEVICE_CODE, sha256(started.device_code), START)
    expect(stored?.value).toMatchObject({ client_id: 'tv', scopes: ['openid', 'offline_access', 'notes:read'], status: 'pending', expires_at: START + 300, interval: 7 })
    expect(await harness.store.records.get(DEVICE_CODE, started.device_code, START)).toBeUndefined()
    const pointer = await harness.store.records.get(DEVICE_USER_CODE, sha256(started.user_code.replace('-', '')), START)
    expect(pointer?.value.device_code_hash).toBe(sha256(started.device_code))
    expect(pointer?.expiresAt).toBe(START + 300)
  })

  it('is in discovery with the grant type only when registered', async () => {
    const harness = await deviceHarness()
    const metadata = json(await harness.send('GET', '/.well-known/openid-configuration'))
    expect(metadata.device_authorization_endpoint).toBe(`${ISSUER}/device_authorization`)
    expect(metadata.grant_types_supported).toContain(DEVICE_CODE_GRANT_TYPE)
    const plain = json(await (await createHarness()).send('GET', '/.well-known/openid-configuration'))
    expect(plain.device_authorization_endpoint).toBeUndefined()
    expect(plain.grant_types_supported).not.toContain(DEVICE_CODE_GRANT_TYPE)
  })

  it('defaults the scope to the client\'s, and takes resource indicators', async () => {
    const harness = await deviceHarness()
    // A confidential client must authenticate: the bare client_id is refused.
    const bare = await harness.send('POST', '/device_authorization', { form: { client_id: 'box', resource: NOTES_API } })
    expect(bare.status).toBe(401)
    expect(json(bare).error).toBe('invalid_client')
    const response = await harness.send('POST', '/device_authorization', { form: { resource: NOTES_API }, headers: { authorization: basic('box', 'box-secret') } })
    expect(response.status, text(response)).toBe(200)
    const stored = await harness.store.records.get(DEVICE_CODE, sha256(String(json(response).device_code)), START)
    expect(stored?.value).toMatchObject({ client_id: 'box', scopes: ['notes:read'], resources: [NOTES_API] })
  })
})

describe('device code grant', () => {
  it('answers authorization_pending, slow_down with 5 s more per early poll, and never tokens before approval', async () => {
    const harness = await deviceHarness()
    const { device_code: code } = await start(harness)
    const answer = async (): Promise<string> => String(json(await poll(harness, code)).error)
    expect(await answer()).toBe('authorization_pending')
    harness.clock.now += 1
    const early = await poll(harness, code)
    expect(early.status).toBe(400)
    expect(json(early).error).toBe('slow_down')
    // The interval is now 10 s from the early poll: 9 s later is still early, and raises it to 15.
    harness.clock.now += 9
    expect(await answer()).toBe('slow_down')
    harness.clock.now += 15
    expect(await answer()).toBe('authorization_pending')
    harness.clock.now += 15
    expect(await answer()).toBe('authorization_pending')
    const stored = await harness.store.records.get(DEVICE_CODE, sha256(code), harness.clock.now)
    expect(stored?.value.interval).toBe(15)
  })

  it('issues the code grant\'s tokens once after approval: refresh token, ID token, audience, acr', async () => {
    const harness = await deviceHarness()
    const { device_code: code, user_code: userCode } = await start(harness)
    const done = await decide(harness, userCode, 'approve')
    expect(done.status).toBe(200)
    expect(text(done)).toContain('Device connected')
    const response = await poll(harness, code)
    expect(response.status, text(response)).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const tokens = json(response) as { access_token: string; refresh_token?: string; id_token?: string; scope: string }
    expect(tokens.refresh_token).toBeDefined()
    expect(decodeUnverified(tokens.id_token ?? '')?.payload).toMatchObject({ sub: harness.alice.id, aud: 'tv', acr: 'urn:tessera:pwd' })
    expect(decodeUnverified(tokens.access_token)?.payload).toMatchObject({ sub: harness.alice.id, client_id: 'tv', aud: NOTES_API })
    // Redeemed exactly once.
    const again = await poll(harness, code)
    expect(json(again).error).toBe('invalid_grant')
    // The refresh token works like the code grant's.
    const refreshed = await harness.send('POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '', client_id: 'tv' } })
    expect(refreshed.status, text(refreshed)).toBe(200)
  })

  it('gives one token set to two concurrent polls after approval', async () => {
    const harness = await deviceHarness()
    const { device_code: code, user_code: userCode } = await start(harness)
    await decide(harness, userCode, 'approve')
    const answers = await Promise.all([poll(harness, code), poll(harness, code), poll(harness, code)])
    expect(answers.map((response) => response.status).sort()).toEqual([200, 400, 400])
    expect(answers.filter((response) => response.status === 400).map((response) => json(response).error)).toEqual(['invalid_grant', 'invalid_grant'])
  })

  it('answers access_denied after a denial, expired_token after expires_in, invalid_grant to another client', async () => {
    const harness = await deviceHarness()
    const denied = await start(harness)
    const page = await decide(harness, denied.user_code, 'deny')
    expect(text(page)).toContain('Request denied')
    expect(json(await poll(harness, denied.device_code)).error).toBe('access_denied')

    const late = await start(harness)
    harness.clock.now += 601
    expect(json(await poll(harness, late.device_code)).error).toBe('expired_token')

    const other = await start(harness)
    const stolen = await harness.send('POST', '/token', { form: { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: other.device_code }, headers: { authorization: basic('box', 'box-secret') } })
    expect(json(stolen).error).toBe('invalid_grant')
    expect(json(await poll(harness, 'not-a-device-code')).error).toBe('invalid_grant')
  })

  it('refuses a device client of a one-factor approval once its client requires a second factor (MF-08 at the device grant)', async () => {
    const harness = await deviceHarness()
    const { device_code: code, user_code: userCode } = await start(harness)
    await decide(harness, userCode, 'approve')
    await setClientRequireMfa(harness.store, 'tv', true)
    const response = await poll(harness, code)
    expect(json(response).error).toBe('access_denied')
  })

  it('sends a one-factor session through the second step before it may approve for a client that requires one', async () => {
    const harness = await deviceHarness()
    await setClientRequireMfa(harness.store, 'tv', true)
    const { user_code: userCode } = await start(harness)
    const { browser, page } = await confirmationPage(harness, userCode)
    const answer = await browser.post(`${ISSUER}/device`, { csrf_token: csrfTokenOf(page), user_code: userCode, decision: 'approve' })
    const next = location(answer)
    expect(next.pathname).toBe('/authorize')
    expect(next.searchParams.get('claims')).toContain('urn:tessera:mfa')
    expect(next.searchParams.get('state')).toBe(userCode.replace('-', ''))
  })
})

describe('device client registration', () => {
  it('shows the verification page in the language the browser asks for, the §5.4 warning and the errors too', async () => {
    const harness = await deviceHarness()
    const started = await start(harness)
    const { browser, page } = await confirmationPage(harness, started.user_code)
    const german = await browser.post(`${ISSUER}/device`, { csrf_token: csrfTokenOf(page), user_code: started.user_code }, { 'accept-language': 'de-DE, en;q=0.5' })
    expect(german.status, text(german).slice(0, 300)).toBe(200)
    expect(german.headers.get('content-language')).toBe('de')
    expect(text(german)).toContain('<h1>Living-room TV möchte von einem Gerät aus auf Ihr Konto zugreifen</h1>')
    expect(text(german)).toContain('Fahren Sie nur fort, wenn Sie dies selbst auf einem eigenen Gerät gestartet haben')
    expect(text(german)).toContain('>Zulassen</button>')
    const wrong = await browser.post(`${ISSUER}/device`, { csrf_token: csrfTokenOf(german), user_code: 'BBBB-BBBB' }, { 'accept-language': 'de' })
    expect(wrong.status).toBe(400)
    expect(text(wrong)).toContain('Dieser Code ist ungültig oder abgelaufen.')
  })

  it('needs no redirect URI for a client registered only for the device grant', async () => {
    const harness = await deviceHarness()
    const client = await harness.store.clients.get('tv')
    expect(client?.redirect_uris).toEqual([])
    await expect(createClient(harness.store, { name: 'x', clientId: 'x', authMethod: 'none', grantTypes: ['authorization_code', DEVICE_CODE_GRANT_TYPE], scopes: ['openid'] }, START, { registry: harness.server.registry })).rejects.toThrow(/redirect URI/)
    // Without the capability, the grant type is unknown.
    await expect(createClient(harness.store, { name: 'y', clientId: 'y', authMethod: 'none', grantTypes: [DEVICE_CODE_GRANT_TYPE], scopes: ['openid'] }, START)).rejects.toThrow(/unsupported grant type/)
  })

  it('registers dynamically with only the device grant: no redirect URI, no response type', async () => {
    const harness = await createHarness({ capabilities: [deviceAuthorization(), dynamicRegistration({ policy: 'open' })] })
    const response = await harness.server.handle({
      method: 'POST', url: new URL('/register', ISSUER), headers: new Headers({ 'content-type': 'application/json' }), remoteAddress: '127.0.0.1',
      body: new TextEncoder().encode(JSON.stringify({ client_name: 'Kiosk', grant_types: [DEVICE_CODE_GRANT_TYPE], token_endpoint_auth_method: 'none', scope: 'notes:read' })),
    })
    expect(response.status, text(response)).toBe(201)
    const info = json(response)
    expect(info).toMatchObject({ grant_types: [DEVICE_CODE_GRANT_TYPE], response_types: [], redirect_uris: [] })
    const started = await harness.send('POST', '/device_authorization', { form: { client_id: String(info.client_id), scope: 'notes:read' } })
    expect(started.status, text(started)).toBe(200)
  })
})
