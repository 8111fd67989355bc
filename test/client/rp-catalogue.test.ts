import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ClientError } from '../../src/client/errors.js'
import { Browser } from '../helpers/http-client.js'
import { startLogin, type TestApp } from './app.js'
import { EVIL_SUB, startEvilProvider, type EvilProvider } from './evil-provider.js'
import { attemptLogin, expectLoggedIn, expectRejected, startEvilRp } from './evil-harness.js'
import { contextFor } from './session-flows.js'

/** Catalogue §10 (RP) P0 cases against the evil provider, one `it` per case named by its id. */

let evil: EvilProvider
let apps: TestApp[] = []

beforeAll(async () => {
  evil = await startEvilProvider()
})
afterAll(async () => {
  await evil?.close()
})
beforeEach(() => {
  evil.behaviour = {}
  evil.requests.length = 0
})
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()))
  apps = []
})

async function rp(...args: Parameters<typeof startEvilRp> extends [unknown, ...infer Rest] ? Rest : never): Promise<TestApp> {
  const app = await startEvilRp(evil, ...args)
  apps.push(app)
  return app
}

const tokenRequests = (): number => evil.count('/token')

describe('RP-01 happy path and robustness', () => {
  it('RP-01: sends state, nonce, PKCE S256, client_secret_basic and the userinfo Bearer header', async () => {
    const app = await rp()
    const attempt = await attemptLogin(app)
    await expectLoggedIn(app, attempt)
    const authorize = evil.requests.find((request) => request.path === '/authorize')
    expect(authorize).toBeDefined()
    const token = evil.requests.find((request) => request.path === '/token')
    expect(token?.headers.authorization).toMatch(/^Basic /)
    expect(token?.body.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,128}$/)
    expect(token?.body.get('client_secret')).toBeNull()
    const userinfo = evil.requests.find((request) => request.path === '/userinfo')
    expect(userinfo?.headers.authorization).toMatch(/^Bearer /)
    expect(await (await attempt.browser.get(`${app.origin}/me`)).json()).toMatchObject({ issuer: evil.url, sub: EVIL_SUB })
  })

  it('RP-01: accepts a token response without expires_in and a lower-case token_type', async () => {
    const app = await rp()
    evil.behaviour.tokenResponse = (body) => {
      delete body.expires_in
      body.token_type = 'bearer'
    }
    await expectLoggedIn(app, await attemptLogin(app))
  })

  it('RP-01: the google preset accepts the legacy scheme-less issuer and nothing else', async () => {
    const google = await rp({ preset: 'google' })
    evil.behaviour.idToken = (claims) => {
      claims.iss = evil.url.replace('http://', '')
    }
    await expectLoggedIn(google, await attemptLogin(google))
    evil.behaviour.idToken = (claims) => {
      claims.iss = `${evil.url.replace('http://', '')}.evil.test`
    }
    await expectRejected(google, await attemptLogin(google), 'invalid_response')
    // Without the preset the scheme-less form is just a wrong issuer.
    const plain = await rp()
    evil.behaviour.idToken = (claims) => {
      claims.iss = evil.url.replace('http://', '')
    }
    await expectRejected(plain, await attemptLogin(plain), 'invalid_response')
  })
})

describe('RP-02 ID token iss/aud', () => {
  const cases: [string, (claims: Record<string, unknown>) => void, RegExp][] = [
    ['wrong iss', (claims) => void (claims.iss = 'https://evil.test'), /"iss"/],
    ['wrong aud', (claims) => void (claims.aud = 'someone-else'), /"aud"/],
    ['missing aud', (claims) => void delete claims.aud, /"aud".*missing/],
    ['aud with a second audience and no azp', (claims) => void (claims.aud = [evil.clientId, 'other']), /untrusted audiences/],
  ]
  for (const [name, mutate, detail] of cases) {
    it(`RP-02: rejects an ID token with ${name}`, async () => {
      const app = await rp()
      evil.behaviour.idToken = mutate
      await expectRejected(app, await attemptLogin(app), 'invalid_response', detail)
    })
  }
})

describe('RP-03 ID token signature', () => {
  it('RP-03: rejects an invalid RS256 signature', async () => {
    const app = await rp()
    evil.behaviour.corruptSignature = true
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /signature verification failed/)
  })

  it('RP-03: rejects an invalid ES256 signature', async () => {
    const app = await rp({ idTokenSignedResponseAlg: 'ES256' })
    evil.behaviour.signing = 'ES256'
    await expectLoggedIn(app, await attemptLogin(app))
    evil.behaviour.corruptSignature = true
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /signature verification failed/)
  })

  it('RP-03: rejects an invalid HS256 signature', async () => {
    const app = await rp()
    evil.behaviour.discovery = (doc) => void (doc.id_token_signing_alg_values_supported = ['RS256', 'HS256'])
    evil.behaviour.signing = 'HS256-client-secret'
    evil.behaviour.corruptSignature = true
    await expectRejected(app, await attemptLogin(app), 'invalid_response')
  })
})

describe('RP-04 algorithm pinning', () => {
  it('RP-04: rejects alg none, even when the provider advertises it', async () => {
    const app = await rp()
    evil.behaviour.discovery = (doc) => void (doc.id_token_signing_alg_values_supported = ['RS256', 'none'])
    evil.behaviour.signing = 'none'
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /alg/)
  })

  it('RP-04: rejects a valid ES256 token when only RS256 is advertised', async () => {
    const app = await rp()
    evil.behaviour.signing = 'ES256'
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /alg/)
  })

  it('RP-04: rejects HS256 MACed with the client secret (MinIO CVE-2026-33322)', async () => {
    const app = await rp()
    evil.behaviour.discovery = (doc) => void (doc.id_token_signing_alg_values_supported = ['RS256', 'HS256'])
    evil.behaviour.signing = 'HS256-client-secret'
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /unsupported JWS algorithm/)
  })

  it('RP-04: rejects an unknown crit header', async () => {
    const app = await rp()
    evil.behaviour.idToken = (_claims, header) => {
      header.crit = ['urn:evil']
      header['urn:evil'] = true
    }
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /crit/)
  })

  it('RP-04: ignores an attacker key in the jwk header', async () => {
    const app = await rp()
    evil.behaviour.signing = 'attacker-jwk'
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /no applicable keys/)
  })

  it('RP-04: never fetches a jku URL', async () => {
    const app = await rp()
    evil.behaviour.signing = 'attacker-jku'
    await expectRejected(app, await attemptLogin(app), 'invalid_response')
    expect(evil.count('/attacker-jwks')).toBe(0)
  })
})

describe('RP-05 required claims and time checks', () => {
  const day = 24 * 3600
  const cases: [string, (claims: Record<string, unknown>) => void, RegExp][] = [
    ['no sub', (claims) => void delete claims.sub, /"sub".*missing/],
    ['no iat', (claims) => void delete claims.iat, /"iat".*missing/],
    ['exp 10 minutes in the past', (claims) => void (claims.exp = Math.floor(Date.now() / 1000) - 600), /"exp"/],
    ['iat a day in the future', (claims) => void (claims.iat = Math.floor(Date.now() / 1000) + day), /iat is in the future/],
  ]
  for (const [name, mutate, detail] of cases) {
    it(`RP-05: rejects an ID token with ${name}`, async () => {
      const app = await rp()
      evil.behaviour.idToken = mutate
      await expectRejected(app, await attemptLogin(app), 'invalid_response', detail)
    })
  }
})

describe('RP-06 nonce', () => {
  it('RP-06: rejects a different nonce and uses no token before the check', async () => {
    const app = await rp()
    evil.behaviour.idToken = (claims) => void (claims.nonce = 'not-the-nonce')
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /nonce/)
    expect(evil.count('/userinfo')).toBe(0)
  })

  it('RP-06: rejects a missing nonce', async () => {
    const app = await rp()
    evil.behaviour.idToken = (claims) => void delete claims.nonce
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /nonce/)
  })

  it('RP-06: rejects the nonce of an earlier login', async () => {
    const app = await rp()
    await expectLoggedIn(app, await attemptLogin(app))
    const earlier = evil.nonces.at(-1)
    evil.behaviour.idToken = (claims) => void (claims.nonce = earlier)
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /nonce/)
  })
})

describe('RP-07 state and login CSRF', () => {
  it('RP-07: rejects a wrong state without sending a token request', async () => {
    const app = await rp()
    evil.behaviour.authorizationResponse = (params) => params.set('state', 'attacker-state')
    await expectRejected(app, await attemptLogin(app), 'state_mismatch')
    expect(tokenRequests()).toBe(0)
  })

  it('RP-07: rejects a missing state without sending a token request', async () => {
    const app = await rp()
    evil.behaviour.authorizationResponse = (params) => params.delete('state')
    await expectRejected(app, await attemptLogin(app), 'state_mismatch')
    expect(tokenRequests()).toBe(0)
  })

  it('RP-07: rejects a callback without the transaction cookie (another browser)', async () => {
    const app = await rp()
    const callback = await startLogin(new Browser(), app, 'evil')
    const victim = new Browser()
    const response = await victim.get(callback.href)
    await expectRejected(app, { response, body: await response.text(), browser: victim }, 'transaction_missing')
    expect(tokenRequests()).toBe(0)
  })

  it('RP-07: rejects the same callback twice', async () => {
    const app = await rp()
    const browser = new Browser()
    const callback = await startLogin(browser, app, 'evil')
    const jar = browser.jar.clone()
    expect((await browser.get(callback.href)).status).toBe(303)
    const replay = await new Browser(jar).get(callback.href)
    expect(replay.status).toBe(400)
    expect(await replay.text()).toContain('transaction_unknown')
    expect(tokenRequests()).toBe(1)
  })

  it('RP-07: rejects a wrong iss on the authorization response (RFC 9207) before the token request', async () => {
    const app = await rp()
    evil.behaviour.authorizationResponse = (params) => params.set('iss', 'https://mix-up.evil.test')
    await expectRejected(app, await attemptLogin(app), 'invalid_response')
    expect(tokenRequests()).toBe(0)
  })
})

describe('RP-10 discovery validation', () => {
  const cases: [string, (doc: Record<string, unknown>) => void][] = [
    ['an issuer that differs from the configured one', (doc) => void (doc.issuer = 'https://evil.test')],
    ['a javascript: authorization endpoint', (doc) => void (doc.authorization_endpoint = 'javascript:alert(1)')],
    ['an http token endpoint on another origin', (doc) => void (doc.token_endpoint = 'http://evil.test/token')],
    ['a file: jwks_uri', (doc) => void (doc.jwks_uri = 'file:///etc/passwd')],
    ['no S256 PKCE support', (doc) => void (doc.code_challenge_methods_supported = ['plain'])],
  ]
  for (const [name, mutate] of cases) {
    it(`RP-10: refuses a provider with ${name}; nothing is opened or fetched`, async () => {
      const app = await rp()
      evil.behaviour.discovery = mutate
      const browser = new Browser()
      const response = await browser.get(`${app.origin}/login/evil`)
      expect(response.status).toBe(400)
      expect(response.headers.get('location')).toBeNull()
      expect(await response.text()).toContain('provider_misconfigured')
      expect(evil.requests.map((request) => request.path)).toEqual(['/.well-known/openid-configuration'])
    })
  }

  it('RP-10: refuses a non-https issuer without the loud opt-in', async () => {
    const { createOAuth } = await import('../../src/client/oauth.js')
    const { createMemoryClientStore } = await import('../../src/client/memory-store.js')
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'x'.repeat(32) })
    expect(() => oauth.register({ name: 'evil', issuer: evil.url, clientId: 'c', clientSecret: 's', scope: 'openid' })).toThrow(/allowInsecureLoopback/)
    expect(() => oauth.register({ name: 'evil', issuer: 'http://evil.test', allowInsecureLoopback: true, clientId: 'c', clientSecret: 's', scope: 'openid' })).toThrow(/only https/)
  })
})

describe('RP-12 userinfo sub binding', () => {
  it('RP-12: rejects the login when userinfo sub differs from the ID token sub', async () => {
    const app = await rp()
    evil.behaviour.userinfo = (body) => void (body.sub = 'someone-else')
    await expectRejected(app, await attemptLogin(app), 'invalid_response', /sub/)
  })
})

describe('RP-14 refresh on the RP', () => {
  it('RP-14: a normal refresh updates the tokens', async () => {
    const app = await rp()
    const { browser } = await attemptLogin(app)
    const tokens = await app.oauth.refreshToken(contextFor(browser, app))
    expect(tokens.access_token).toBeTypeOf('string')
    expect(evil.count('/token', (request) => request.body.get('grant_type') === 'refresh_token')).toBe(1)
    expect(await app.oauth.currentUser(contextFor(browser, app))).toMatchObject({ sub: EVIL_SUB })
  })

  it('RP-14: rejects a refreshed ID token with another iss, never switching identity', async () => {
    const app = await rp()
    const { browser } = await attemptLogin(app)
    evil.behaviour.idToken = (claims, _header, grant) => void (grant === 'refresh_token' && (claims.iss = 'https://evil.test'))
    const error = await app.oauth.refreshToken(contextFor(browser, app)).catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(ClientError)
    expect((error as ClientError).code).toBe('invalid_response')
    const user = await app.oauth.currentUser(contextFor(browser, app))
    expect(user === undefined || user.sub === EVIL_SUB).toBe(true)
  })

  it('RP-14: rejects a refreshed ID token with another sub and ends the session', async () => {
    const app = await rp()
    const { browser } = await attemptLogin(app)
    evil.behaviour.idToken = (claims, _header, grant) => void (grant === 'refresh_token' && (claims.sub = 'someone-else'))
    const error = await app.oauth.refreshToken(contextFor(browser, app)).catch((reason: unknown) => reason)
    expect((error as ClientError).code).toBe('invalid_response')
    expect(await app.oauth.currentUser(contextFor(browser, app))).toBeUndefined()
  })
})

describe('RP-15 post-login redirect', () => {
  const hostile = ['https://evil.test', '//evil.test', '/\\evil.test', 'https:evil.test', 'javascript:alert(1)', '%2F%2Fevil.test', '/\t/evil.test', '/.//evil.test']
  for (const returnTo of hostile) {
    it(`RP-15: sends ${JSON.stringify(returnTo)} to the default page`, async () => {
      const app = await rp()
      const attempt = await attemptLogin(app, 'evil', returnTo)
      expect(attempt.response.status).toBe(303)
      expect(attempt.response.headers.get('location')).toBe('/')
    })
  }

  it('RP-15: keeps a same-origin relative path', async () => {
    const app = await rp()
    const attempt = await attemptLogin(app, 'evil', '/notes?page=2#top')
    expect(attempt.response.headers.get('location')).toBe('/notes?page=2#top')
  })
})

describe('RP-16 error callback rendering', () => {
  it('RP-16: renders access_denied escaped, creates no session and consumes the transaction', async () => {
    const app = await rp()
    evil.behaviour.authorizationResponse = (params) => {
      params.delete('code')
      params.set('error', 'access_denied')
      params.set('error_description', '<script>alert(1)</script>')
    }
    const browser = new Browser()
    const callback = await startLogin(browser, app, 'evil')
    const jar = browser.jar.clone()
    const response = await browser.get(callback.href)
    const body = await response.text()
    await expectRejected(app, { response, body, browser }, 'access_denied')
    expect(body).not.toContain('<script>')
    expect(tokenRequests()).toBe(0)
    const again = await new Browser(jar).get(callback.href)
    expect(await again.text()).toContain('transaction_unknown')
  })
})
