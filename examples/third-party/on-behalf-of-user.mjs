#!/usr/bin/env node
// A third-party app acting for a user who never gives it their password: authorization code + PKCE
// (RFC 6749 §4.1, RFC 7636) with a loopback redirect on a port chosen now (RFC 8252 §7.3), the `iss`
// check of RFC 9207, then a bearer call to the API. Uses oauth4webapi.
//
//   npm run tessera -- client create --name "Desktop notes" --auth-method none \
//       --redirect-uri http://127.0.0.1/callback --scope "openid profile notes:read notes:write" --json
//   ISSUER=http://localhost:4000 CLIENT_ID=… node examples/third-party/on-behalf-of-user.mjs
// It prints a URL: open it, sign in, allow. (The test suite drives this script with a scripted browser.)
import { createServer } from 'node:http'
import * as oauth from 'oauth4webapi'

const issuer = new URL(process.env.ISSUER ?? 'http://localhost:4000')
const client = { client_id: process.env.CLIENT_ID ?? '' }
const api = new URL(process.env.API_URL ?? `${issuer.href.replace(/\/$/, '')}/api/notes`)
const scope = process.env.SCOPE ?? 'openid profile notes:read'
const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname)
const options = loopback ? { [oauth.allowInsecureRequests]: true } : {}

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options))
const verifier = oauth.generateRandomCodeVerifier()
const state = oauth.generateRandomState()
const nonce = oauth.generateRandomNonce()

// Wait for exactly one callback on a free loopback port.
const callback = await new Promise((resolve) => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', redirectUri)
    if (url.pathname !== '/callback') return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window and return to the app.\n')
    server.close()
    resolve(url)
  })
  let redirectUri = ''
  server.listen(0, '127.0.0.1', async () => {
    const address = server.address()
    redirectUri = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/callback`
    const authorize = new URL(as.authorization_endpoint ?? '')
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope,
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString()
    process.stdout.write(`Open this URL to let the app in:\n${authorize.href}\n`)
  })
})

const redirectUri = `${callback.origin}/callback`
const params = oauth.validateAuthResponse(as, client, callback, state)
const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, options)
const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: scope.split(' ').includes('openid') })
const claims = oauth.getValidatedIdTokenClaims(tokens)
process.stdout.write(`signed in as ${claims?.sub ?? '(no ID token)'} with scope "${tokens.scope}"\n`)

const result = await oauth.protectedResourceRequest(tokens.access_token, 'GET', api, undefined, undefined, options)
process.stdout.write(`GET ${api.href} → ${result.status}\n${await result.text()}\n`)
process.exitCode = result.ok ? 0 : 1
