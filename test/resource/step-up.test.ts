import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResourceServer, type VerifyResult } from '../../src/resource/index.js'
import { meetsAuthenticationRequirement } from '../../src/protocol/rfc9470/authentication-requirement.js'
import { AUDIENCE, FakeAuthorizationServer, accessToken, bearer, generateKey, nowSeconds, type TestKey } from './fixtures.js'

let as: FakeAuthorizationServer
let key: TestKey

beforeAll(async () => {
  key = generateKey('ES256')
  as = await new FakeAuthorizationServer().start()
  as.jwks = { keys: [key.publicJwk] }
})
afterAll(async () => {
  await as.close()
})

const MFA = 'urn:tessera:mfa'
const METADATA = 'resource_metadata="http://127.0.0.1:6000/.well-known/oauth-protected-resource/api"'

function challenge(result: VerifyResult): { status: number; challenge: string | null } {
  if (result.ok) throw new Error('expected a refusal')
  return { status: result.response.status, challenge: result.response.headers.get('www-authenticate') }
}

describe('RFC 9470 step-up at the resource server', () => {
  const route = () => createResourceServer({ issuer: as.url, audience: AUDIENCE, realm: 'notes' }).requireAccess({ scopes: ['notes:read'], acrValues: [MFA], maxAge: 300 })

  it('MF-10 answers a 20-minute-old password token with the insufficient_user_authentication challenge', async () => {
    const token = accessToken(key, as.url, { acr: 'urn:tessera:pwd', auth_time: nowSeconds() - 1200 })
    expect(challenge(await route()(bearer(token)))).toEqual({
      status: 401,
      challenge: `Bearer realm="notes", error="insufficient_user_authentication", error_description="The user must authenticate again, or with more factors, for this resource", acr_values="${MFA}", max_age="300", ${METADATA}`,
    })
  })

  it('refuses the right acr with an old auth_time, and a recent one without acr', async () => {
    for (const claims of [{ acr: MFA, auth_time: nowSeconds() - 301 }, { auth_time: nowSeconds() }]) {
      expect(challenge(await route()(bearer(accessToken(key, as.url, claims)))).status).toBe(401)
    }
  })

  it('accepts a recent two-factor token, and checks scopes first (403 insufficient_scope)', async () => {
    const fresh = accessToken(key, as.url, { acr: MFA, auth_time: nowSeconds() - 10 })
    const result = await route()(bearer(fresh))
    expect(result.ok && result.principal.claims.acr).toBe(MFA)
    const narrow = accessToken(key, as.url, { acr: MFA, auth_time: nowSeconds(), scope: 'notes:write' })
    expect(challenge(await route()(bearer(narrow))).status).toBe(403)
  })

  it('judges claims without a resource server (protocol rule)', () => {
    expect(meetsAuthenticationRequirement({ acr: MFA, auth_time: 100 }, { acrValues: [MFA], maxAge: 300 }, 400)).toBe(true)
    expect(meetsAuthenticationRequirement({ acr: MFA, auth_time: 100 }, { maxAge: 299 }, 400)).toBe(false)
    expect(meetsAuthenticationRequirement({}, {}, 400)).toBe(true)
  })
})
