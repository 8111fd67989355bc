import { describe, expect, it } from 'vitest'
import { createAuthorizationServer } from '../../../src/server/create-server.js'
import { ConfigError } from '../../../src/server/config.js'
import { createMemoryStore } from '../../../src/storage/memory.js'
import { decodeBase32 } from '../../../src/protocol/rfc6238/base32.js'
import { totp } from '../../../src/protocol/rfc6238/totp.js'
import { authorizationQuery, createHarness, ISSUER, SECRET, text } from '../../helpers/server-values.js'
import { newPkce } from '../../helpers/pkce.js'

describe('requireMfa (server-wide policy)', () => {
  it('takes a user without a second factor from the password to enrolment, and issues a code only after it', async () => {
    const harness = await createHarness({ requireMfa: true })
    const browser = harness.browser()
    const pkce = newPkce()
    const start = await browser.get(authorizationQuery('app', pkce.challenge))
    const interaction = new URL(start.headers.get('location') ?? '')
    const afterPassword = await browser.logIn(interaction)
    expect(afterPassword.status).toBe(303)
    expect(afterPassword.headers.get('location')).toBe(interaction.href)
    expect(afterPassword.headers.getSetCookie().some((cookie) => cookie.includes('tessera-session'))).toBe(false)
    const page = await browser.get(interaction)
    const html = text(page)
    expect(html).toContain('Set up two-factor authentication')
    const secret = /data-secret="([A-Z2-7]+)"/.exec(html)?.[1] ?? ''
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] ?? ''
    // The server's clock, not the wall clock: the code of its current step.
    const done = await browser.post(`${interaction.href}/second-factor`, { csrf_token: csrf, code: totp(decodeBase32(secret) ?? new Uint8Array(), harness.clock.now) })
    expect(done.status).toBe(200)
    expect(text(done).match(/<li>[a-z2-7]{5}-[a-z2-7]{5}<\/li>/g)).toHaveLength(10)
    expect(done.headers.getSetCookie().some((cookie) => cookie.includes('tessera-session'))).toBe(true)
  })

  it('is a boolean or a ConfigError naming it', async () => {
    await expect(createAuthorizationServer({ issuer: ISSUER, secret: SECRET, store: createMemoryStore(), requireMfa: 'yes' as unknown as boolean })).rejects.toThrow(ConfigError)
  })
})
