import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/server/config.js'
import { federation } from '../../../src/server/federation/index.js'
import { setClientRequireMfa } from '../../../src/server/mfa/policy.js'
import { Browser } from '../../helpers/http-client.js'
import { startTestServer, type TestServer } from '../../helpers/tessera.js'
import { registerClient } from '../../security/helpers.js'
import { atUpstream, finishAtTessera, openLoginPage, pressContinue, redeem } from './flow.js'
import { startUpstream, type Upstream } from './upstream-harness.js'

/*
 * Per-upstream trust in the upstream's `amr`/`acr` (`trustUpstreamAmr`, `mfaAcrValues`): off by default, so
 * an upstream sign-in is `fed` alone and a client requiring MFA sends the user to the local second step; on,
 * the upstream's reported second factor meets the policy and shows in Tessera's `amr`. Over real HTTP with
 * scripted upstreams that put `amr`/`acr` in their ID tokens.
 */

const trusted = await startUpstream('trusted')
const plain = await startUpstream('plain')
const config = (upstream: Upstream) => ({ id: upstream.name, issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, label: upstream.name })
const MFA_ACR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor'
const server: TestServer = await startTestServer({
  store: 'memory',
  development: { allowLoopbackFetch: true },
  capabilities: [federation({ upstreams: [{ ...config(trusted), trustUpstreamAmr: true, mfaAcrValues: [MFA_ACR] }, config(plain)] })],
})
afterAll(async () => {
  await server.close()
  await Promise.all([trusted.close(), plain.close()])
})
const client = await registerClient(server)
await setClientRequireMfa(server.store, client.id, true)

let counter = 0
const fresh = (): string => `user-${++counter}-${Date.now().toString(36)}`

/** Signs in through `upstream` reporting `claims` in its ID token; the client's ID token, or where the flow stopped instead. */
async function signIn(upstream: Upstream, claims: Record<string, unknown>): Promise<{ idToken?: Record<string, unknown>; stoppedAt?: string }> {
  upstream.script = { sub: fresh(), claims }
  const browser = new Browser()
  const started = await openLoginPage(server, browser, client)
  const callback = await atUpstream(browser, await pressContinue(browser, started.loginHtml, upstream.name))
  const afterCallback = await browser.get(callback.href)
  // An ID token the relying party refuses (a malformed claim) ends at the error page: no sign-in either.
  if (afterCallback.status !== 303) return { stoppedAt: await afterCallback.text() }
  const location = afterCallback.headers.get('location') ?? ''
  // The local second step (here: set one up, as the new account has none) comes before any consent.
  if (location.startsWith(`${server.url}/interaction/`)) {
    const page = await (await browser.get(location)).text()
    if (!page.includes('/consent')) return { stoppedAt: page }
  }
  const response = await finishAtTessera(server, browser, afterCallback)
  return { idToken: (await redeem(server, client, response, started.verifier)).idToken as Record<string, unknown> }
}

describe('trusting an upstream\'s amr and acr for the MFA policy', () => {
  it('off (the default): an upstream reporting otp is one factor, and the client\'s MFA policy asks for the local second step', async () => {
    const result = await signIn(plain, { amr: ['pwd', 'otp'], acr: MFA_ACR })
    expect(result.idToken).toBeUndefined()
    expect(result.stoppedAt).toMatch(/two-step verification|authenticator/i)
  })

  it('on: the upstream\'s otp meets the policy and shows in amr, with acr urn:tessera:mfa', async () => {
    const { idToken } = await signIn(trusted, { amr: ['pwd', 'otp'] })
    expect(idToken?.amr).toEqual(['fed', 'otp', 'mfa'])
    expect(idToken?.acr).toBe('urn:tessera:mfa')
  })

  it('on: an upstream mfa, or an acr listed in mfaAcrValues, is mfa', async () => {
    expect((await signIn(trusted, { amr: ['mfa'] })).idToken?.amr).toEqual(['fed', 'mfa'])
    expect((await signIn(trusted, { acr: MFA_ACR })).idToken?.amr).toEqual(['fed', 'mfa'])
  })

  it('on: a password alone, an unlisted acr or a malformed amr is still one factor', async () => {
    for (const claims of [{ amr: ['pwd'] }, { acr: 'urn:other:mfa' }, { amr: 'mfa' }, { amr: [{ method: 'mfa' }] }]) {
      const result = await signIn(trusted, claims)
      expect(result.idToken, JSON.stringify(claims)).toBeUndefined()
    }
  })

  it('is validated at construction', () => {
    const upstream = { ...config(trusted) }
    expect(() => federation({ upstreams: [{ ...upstream, trustUpstreamAmr: 'yes' as unknown as boolean }] })).toThrow(ConfigError)
    expect(() => federation({ upstreams: [{ ...upstream, mfaAcrValues: [MFA_ACR] }] })).toThrow(/needs trustUpstreamAmr/)
  })
})
