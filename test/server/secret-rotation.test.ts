import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/server/config.js'
import { createAuthorizationServer } from '../../src/server/create-server.js'
import { rotateSigningKeys } from '../../src/server/key-set.js'
import { Browser, authorizationQuery, createHarness, ISSUER, json, location, NOTES_API, START } from '../helpers/server-values.js'
import { newPkce } from '../helpers/pkce.js'

const OLD = 'old-secret-old-secret-old-secret-0123456789'
const NEW = 'new-secret-new-secret-new-secret-0123456789'
const resources = [{ identifier: NOTES_API, scopes: { 'notes:read': 'Read your notes' } }]

describe('server secret rotation', () => {
  it('refuses to start when no configured secret opens the stored signing keys, naming the fix', async () => {
    const h = await createHarness({ secret: OLD })
    const start = createAuthorizationServer({ issuer: ISSUER, store: h.store, secret: NEW, now: () => START, resources })
    await expect(start).rejects.toThrow(ConfigError)
    await expect(createAuthorizationServer({ issuer: ISSUER, store: h.store, secret: NEW, now: () => START, resources })).rejects.toThrow(/cannot open the stored signing keys.*TESSERA_SECRET=new,old/)
  })

  it('with the new secret first and the old one after it: old keys sign, old sessions hold; after rotating the keys, the new secret alone works', async () => {
    const h = await createHarness({ secret: OLD })
    // A login session under the old secret.
    const browser = h.browser()
    const first = newPkce()
    const interaction = location(await browser.get(authorizationQuery('app', first.challenge)))
    let next = location(await browser.logIn(interaction))
    if (next.href.includes('/interaction/')) next = location(await browser.consent(next))
    expect(next.searchParams.get('code')).toBeTruthy()

    const rotating = await createAuthorizationServer({ issuer: ISSUER, store: h.store, secret: [NEW, OLD], now: () => START, resources })
    const issued = await new Browser(rotating).send('POST', '/token', {
      headers: { authorization: `Basic ${Buffer.from('m2m:m2m-secret').toString('base64')}` },
      form: { grant_type: 'client_credentials', scope: 'notes:read' },
    })
    expect(issued.status).toBe(200)
    // The session cookie written under the old secret is still recognised: prompt=none gets a code, not login_required.
    const carried = new Browser(rotating)
    for (const [name, value] of browser.cookies) carried.cookies.set(name, value)
    const silent = location(await carried.get(authorizationQuery('app', newPkce().challenge, 'openid notes:read', { prompt: 'none' })))
    expect(silent.searchParams.get('error')).toBeNull()
    expect(silent.searchParams.get('code')).toBeTruthy()

    await rotateSigningKeys(h.store, NEW, START, 3600)
    const rotated = await createAuthorizationServer({ issuer: ISSUER, store: h.store, secret: NEW, now: () => START, resources })
    const jwks = json(await new Browser(rotated).get('/jwks')) as { keys: { kid: string }[] }
    expect(jwks.keys.length).toBeGreaterThanOrEqual(4)
    // Without the old secret, a session it keyed is gone: prompt=none must sign in again.
    const after = new Browser(rotated)
    for (const [name, value] of browser.cookies) after.cookies.set(name, value)
    const refused = location(await after.get(authorizationQuery('app', newPkce().challenge, 'openid notes:read', { prompt: 'none' })))
    expect(refused.searchParams.get('error')).toBe('login_required')
  })

  it('refuses a list with a short or non-string secret', async () => {
    const h = await createHarness({ secret: OLD })
    await expect(createAuthorizationServer({ issuer: ISSUER, store: h.store, secret: [NEW, 'short'], now: () => START, resources })).rejects.toThrow(/secret must be at least 32 characters/)
    await expect(createAuthorizationServer({ issuer: ISSUER, store: h.store, secret: [], now: () => START, resources })).rejects.toThrow(ConfigError)
  })
})
