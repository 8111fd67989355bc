import { describe, expect, it } from 'vitest'
import { OAuthError } from '../../../src/errors.js'
import { backchannelLogoutMetadata, backchannelLogoutUriProblem } from '../../../src/protocol/oidc-backchannel-logout/client-metadata.js'
import { BACKCHANNEL_LOGOUT_EVENT, checkLogoutTokenType, logoutTokenClaims, validateLogoutTokenClaims } from '../../../src/protocol/oidc-backchannel-logout/logout-token.js'

const ISSUER = 'https://op.example'
const NOW = 1_800_000_000
const RULES = { issuer: ISSUER, clientId: 'rp', now: NOW, clockTolerance: 30, maxAge: 300 }

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...logoutTokenClaims({ issuer: ISSUER, clientId: 'rp', subject: 'alice', sessionId: 'sid-1', now: NOW, lifetime: 120, jti: 'j1' }), ...overrides }
}

function refusal(payload: Record<string, unknown>): string | undefined {
  try {
    validateLogoutTokenClaims(payload, RULES)
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError)
    expect((error as OAuthError).error).toBe('invalid_request')
    return (error as OAuthError).description
  }
}

describe('logout token claims (Back-Channel Logout §2.4)', () => {
  it('carries iss, aud, iat, exp, jti, the event, sub and sid, and never a nonce', () => {
    const built = claims()
    expect(built).toEqual({ iss: ISSUER, aud: 'rp', iat: NOW, exp: NOW + 120, jti: 'j1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, sub: 'alice', sid: 'sid-1' })
    expect('nonce' in built).toBe(false)
    expect(() => logoutTokenClaims({ issuer: ISSUER, clientId: 'rp', now: NOW, lifetime: 120, jti: 'j' })).toThrow(TypeError)
  })
})

describe('logout token validation (Back-Channel Logout §2.6, catalogue RP-17)', () => {
  it('accepts a well-formed token and says until when its jti must be remembered', () => {
    const token = validateLogoutTokenClaims(claims(), RULES)
    expect(token).toMatchObject({ iss: ISSUER, sub: 'alice', sid: 'sid-1', jti: 'j1', replayUntil: NOW + 120 + 30 })
    expect(validateLogoutTokenClaims(claims({ sub: undefined }), RULES).sid).toBe('sid-1')
    expect(validateLogoutTokenClaims(claims({ sid: undefined }), RULES).sub).toBe('alice')
    expect(validateLogoutTokenClaims(claims({ aud: ['other', 'rp'] }), RULES).jti).toBe('j1')
  })

  it('RP-17 refuses a wrong iss or aud, a missing or wrong event, a nonce, and a token naming no one', () => {
    expect(refusal(claims({ iss: 'https://evil.example' }))).toMatch(/issuer/)
    expect(refusal(claims({ aud: 'other' }))).toMatch(/addressed/)
    expect(refusal(claims({ events: undefined }))).toMatch(/events/)
    expect(refusal(claims({ events: { 'http://schemas.openid.net/event/other': {} } }))).toMatch(/back-channel logout event/)
    expect(refusal(claims({ events: { [BACKCHANNEL_LOGOUT_EVENT]: 'yes' } }))).toMatch(/back-channel logout event/)
    expect(refusal(claims({ nonce: 'n' }))).toMatch(/nonce/)
    expect(refusal(claims({ sub: undefined, sid: undefined }))).toMatch(/neither sub nor sid/)
    expect(refusal(claims({ sid: 42 }))).toMatch(/sid/)
    expect(refusal(claims({ jti: undefined }))).toMatch(/jti/)
  })

  it('refuses tokens from the future, expired ones, and old ones without exp', () => {
    expect(refusal(claims({ iat: NOW + 120 }))).toMatch(/future/)
    expect(refusal(claims({ iat: NOW - 200, exp: NOW - 60 }))).toMatch(/expired/)
    expect(refusal(claims({ iat: NOW - 400, exp: undefined }))).toMatch(/too old/)
    expect(validateLogoutTokenClaims(claims({ iat: NOW - 100, exp: undefined }), RULES).replayUntil).toBe(NOW - 100 + 300 + 30)
    expect(refusal(claims({ iat: undefined }))).toMatch(/iat/)
  })

  it('RP-17 accepts typ logout+jwt (or none) and refuses any other type', () => {
    expect(() => checkLogoutTokenType('logout+jwt')).not.toThrow()
    expect(() => checkLogoutTokenType('application/logout+jwt')).not.toThrow()
    expect(() => checkLogoutTokenType(undefined)).not.toThrow()
    for (const typ of ['JWT', 'at+jwt', 'secevent+jwt', 42]) expect(() => checkLogoutTokenType(typ)).toThrow(OAuthError)
  })
})

describe('backchannel_logout_uri (Back-Channel Logout §2.2, catalogue BL-02)', () => {
  it('BL-02 refuses special-use addresses, fragments, user information, non-http(s) schemes and plain http', () => {
    for (const uri of ['http://169.254.169.254/x', 'https://169.254.169.254/x', 'https://10.0.0.1/', 'https://[::1]/x', 'https://127.0.0.1:9000/x', 'file:///etc/passwd', 'https://app.test/bcl#f', 'http://app.test/bcl', 'https://user:pw@app.test/bcl', 'not a url', 'https://localhost/bcl']) {
      expect(backchannelLogoutUriProblem(uri, false), uri).toBeDefined()
    }
    expect(backchannelLogoutUriProblem('https://app.test/bcl?tenant=1', false)).toBeUndefined()
    // The development switch lets loopback http through, and nothing else.
    expect(backchannelLogoutUriProblem('http://127.0.0.1:5000/bcl', true)).toBeUndefined()
    expect(backchannelLogoutUriProblem('http://169.254.169.254/x', true)).toBeDefined()
    expect(backchannelLogoutUriProblem('http://10.0.0.1/x', true)).toBeDefined()
  })

  it('reads the registration members with their defaults and refuses wrong types as invalid_client_metadata', () => {
    expect(backchannelLogoutMetadata({}, { allowLoopbackHttp: false })).toEqual({ backchannel_logout_uri: null, backchannel_logout_session_required: false })
    expect(backchannelLogoutMetadata({ backchannel_logout_uri: 'https://app.test/bcl', backchannel_logout_session_required: true }, { allowLoopbackHttp: false }))
      .toEqual({ backchannel_logout_uri: 'https://app.test/bcl', backchannel_logout_session_required: true })
    for (const body of [{ backchannel_logout_uri: 'http://app.test/x' }, { backchannel_logout_uri: 7 }, { backchannel_logout_session_required: 'yes' }]) {
      expect(() => backchannelLogoutMetadata(body, { allowLoopbackHttp: false })).toThrow(expect.objectContaining({ error: 'invalid_client_metadata' }) as Error)
    }
  })
})
