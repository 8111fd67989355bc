/**
 * A user the operator disabled signs in with no passkey either: the genuine assertion of their own credential
 * ends on the login page that says the account cannot sign in, and no session starts (the one place every
 * sign-in ends refuses them). Over real HTTP with a software authenticator.
 */
import { expect, it } from 'vitest'
import { accountSelfService } from '../../../src/server/account/index.js'
import { createUser, setUserDisabled } from '../../../src/server/admin.js'
import { passkeys } from '../../../src/server/passkeys/index.js'
import { Browser, parseForm } from '../../helpers/http-client.js'
import { SoftwareAuthenticator, webauthnOptions, type CreationOptions, type RequestOptions } from '../../helpers/webauthn.js'
import { authorizationRequest, registerClient, securityServerForFile, sendAuthorization } from '../../security/helpers.js'

const server = await securityServerForFile({ capabilities: [accountSelfService({}), passkeys({})] })
const client = await registerClient(server)

async function atLogin(browser: Browser): Promise<string> {
  const response = await sendAuthorization(server, browser, authorizationRequest(client).params)
  return (await browser.get(response.headers.get('location') ?? '')).text()
}

it('a disabled user\'s genuine passkey assertion is refused with the login page\'s "cannot sign in", and no session starts', async () => {
  const user = await createUser(server.store, { username: 'pat', password: 'pat-password' }, Math.floor(Date.now() / 1000))
  // Signed in by password (and consent), the user adds a passkey on the account page.
  const browser = new Browser()
  const login = parseForm(await atLogin(browser))
  const consentAt = await browser.post(login.action, { ...login.fields, username: 'pat', password: 'pat-password' })
  const consent = parseForm(await (await browser.get(consentAt.headers.get('location') ?? '')).text())
  await browser.post(consent.action, { ...consent.fields, decision: 'allow' })
  const settings = await (await browser.get(`${server.url}/account/passkeys`)).text()
  const authenticator = new SoftwareAuthenticator(new URL(server.url).origin)
  const { json } = authenticator.register(webauthnOptions<CreationOptions>(settings))
  expect((await browser.post(`${server.url}/account/passkeys`, { csrf_token: parseForm(settings).fields.csrf_token ?? '', step: 'register', name: 'Key', credential: json })).status).toBe(200)

  await setUserDisabled(server.store, user.id, true, Math.floor(Date.now() / 1000))
  const fresh = new Browser()
  const html = await atLogin(fresh)
  const action = /action="([^"]*\/passkeys\/sign-in\/[^"]*)"/.exec(html)?.[1] ?? ''
  const csrf = parseForm(html).fields.csrf_token ?? ''
  const options = webauthnOptions<RequestOptions>(await (await fresh.post(action, { csrf_token: csrf })).text())
  const refused = await fresh.post(action, { csrf_token: csrf, credential: authenticator.assert(options) })
  expect(refused.status).toBe(403)
  expect(await refused.text()).toContain('This account cannot sign in')
  expect(refused.headers.getSetCookie().join(';')).not.toMatch(/session=/)
  await server.standalone.server.audit.flush()
  const audit = await server.store.audit.list({ type: 'login.failed', subject: user.id, limit: 5 })
  expect(audit.map((record) => record.details.reason)).toContain('disabled')
})
