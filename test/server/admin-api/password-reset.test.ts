import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accountSelfService } from '../../../src/server/account/index.js'
import { nextResetLink, useResetLink } from '../../helpers/account.js'
import { startAdminHarness, type AdminHarness } from '../../helpers/admin-api.js'
import { Browser } from '../../helpers/http-client.js'
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js'
import { authorize } from '../../helpers/tessera.js'

// POST /admin/v1/users/{user_id}/password-reset over HTTP, every answer checked against the OpenAPI
// document: the login page's reset mail reaches the SMTP sink, its link sets the password, and the rules
// of the public form's links hold (catalogue AC-01).

let sink: SmtpSink
let api: AdminHarness
let token: string

beforeAll(async () => {
  sink = await startSmtpSink()
  api = await startAdminHarness({ capabilities: [accountSelfService({ mail: { url: sink.url, from: 'Tessera <no-reply@example.test>' } })] })
  token = await api.token(api.admins.full)
})
afterAll(async () => {
  await api?.close()
  await sink?.close()
})

async function newUser(username: string, emailVerified = true): Promise<{ id: string; email: string }> {
  const email = `${username}@example.test`
  const created = await api.call('POST', '/users', { token, body: { username, password: `${username}-password`, email, email_verified: emailVerified } })
  expect(created.status).toBe(201)
  return { id: String((created.json.user as Record<string, unknown>).id), email }
}

describe('POST /users/{user_id}/password-reset', () => {
  it('AC-01 mails the reset link of the login page: never in the answer, the newest only, single use, and it sets the password', async () => {
    const user = await newUser('rita')
    const first = await api.call('POST', `/users/${user.id}/password-reset`, { token })
    expect(first.status).toBe(202)
    expect(first.text).toBe('')
    const older = await nextResetLink(sink, user.email)
    const second = await api.call('POST', `/users/${user.id}/password-reset`, { token })
    expect(second.status).toBe(202)
    const newest = await nextResetLink(sink, user.email)
    const tokenOf = (link: string): string => new URL(link).searchParams.get('token') ?? ''
    expect(tokenOf(newest)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(second.text).not.toContain(tokenOf(newest))

    expect((await useResetLink(older, 'from-the-older-link')).status).toBe(400)
    const done = await useResetLink(newest, 'rita-new-password')
    expect(done.status).toBe(200)
    expect((await useResetLink(newest, 'rita-newer-password')).status).toBe(400)
    const signedIn = await authorize(api.server, new Browser(), { client: api.server.clients.conf, user: { id: user.id, username: 'rita', password: 'rita-new-password' }, scope: 'openid' })
    expect(signedIn.code).toEqual(expect.any(String))

    await api.server.standalone.server.audit.flush()
    const audit = await api.call('GET', `/audit?user=${user.id}&type=admin.password_reset_sent`, { token })
    expect(audit.json.items).toHaveLength(2)
    expect(audit.json.items?.[0]?.details).toMatchObject({ actor: 'admin', actor_client_id: 'ops' })
  })

  it('refuses a user without a verified address (409 problem, no mail), an unknown user (404) and a read-only token (403)', async () => {
    const unverified = await newUser('uma', false)
    const refused = await api.call('POST', `/users/${unverified.id}/password-reset`, { token })
    expect(refused.status).toBe(409)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(refused.json.detail).toContain('verified e-mail address')
    expect((await api.call('POST', '/users/nobody/password-reset', { token })).status).toBe(404)
    const reader = await api.token(api.admins.reader)
    expect((await api.call('POST', `/users/${unverified.id}/password-reset`, { token: reader })).status).toBe(403)
    expect(sink.to(unverified.email)).toEqual([])
  })
})
