#!/usr/bin/env node
// Signs in on a device without a browser (a CLI, a TV) with the OAuth 2.0 device authorization grant
// (RFC 8628), then reads your notes from the demo API with the token. Plain Node 20 (fetch), no packages.
//
//   npm start                                   # the demo registers the public client `device-cli`
//   node examples/device-cli/main.mjs           # then open the printed address and enter the code
//
// ISSUER (default http://localhost:4000), CLIENT_ID (default device-cli), SCOPE (default notes:read) and
// API_URL (default ISSUER/api/notes) change the defaults.

const issuer = (process.env.ISSUER ?? 'http://localhost:4000').replace(/\/+$/, '')
const clientId = process.env.CLIENT_ID ?? 'device-cli'
const scope = process.env.SCOPE ?? 'notes:read'
const api = process.env.API_URL ?? `${issuer}/api/notes`
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000))
const form = (values) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(values) })

function fail(message) {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

// RFC 8414: where the device authorization and token endpoints are.
const metadata = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()
if (!metadata.device_authorization_endpoint) fail(`${issuer} does not offer the device authorization grant`)

// RFC 8628 §3.1–§3.2: a device code for us, a user code for the person.
const started = await fetch(metadata.device_authorization_endpoint, form({ client_id: clientId, scope }))
const device = await started.json()
if (!started.ok) fail(`device authorization refused: ${device.error} ${device.error_description ?? ''}`)

// §3.3: show the code; the complete URI carries it for a link or a QR code.
process.stdout.write(`To sign in, open ${device.verification_uri} and enter the code ${device.user_code}\n`)
if (device.verification_uri_complete) process.stdout.write(`(or open ${device.verification_uri_complete})\n`)

// §3.4–§3.5: poll the token endpoint at the interval, 5 seconds more after each slow_down.
let interval = device.interval ?? 5
const deadline = Date.now() + device.expires_in * 1000
let tokens
while (!tokens) {
  if (Date.now() >= deadline) fail('the code expired before it was approved; run again')
  await sleep(interval)
  const response = await fetch(metadata.token_endpoint, form({ grant_type: DEVICE_CODE_GRANT, device_code: device.device_code, client_id: clientId }))
  const body = await response.json()
  if (response.ok) tokens = body
  else if (body.error === 'slow_down') interval += 5
  else if (body.error !== 'authorization_pending') fail(`sign-in ended: ${body.error} ${body.error_description ?? ''}`)
}
process.stdout.write(`Signed in: access token for "${tokens.scope}", valid ${tokens.expires_in} s\n`)

// RFC 6750 §2.1: the token as a bearer credential.
const result = await fetch(api, { headers: { authorization: `Bearer ${tokens.access_token}` } })
process.stdout.write(`GET ${api} → ${result.status}\n${await result.text()}\n`)
process.exitCode = result.ok ? 0 : 1
