#!/usr/bin/env node
// A third-party service reading your API as itself (no user): OAuth 2.0 client credentials
// (RFC 6749 §4.4), then a bearer call. Any standards client works; this one uses oauth4webapi.
//
//   npm run tessera -- client create --name "Reporting job" --grant client_credentials --scope notes:read --json
//   ISSUER=http://localhost:4000 CLIENT_ID=… CLIENT_SECRET=… node examples/third-party/machine.mjs
import * as oauth from 'oauth4webapi'

const issuer = new URL(process.env.ISSUER ?? 'http://localhost:4000')
const client = { client_id: process.env.CLIENT_ID ?? '' }
const secret = process.env.CLIENT_SECRET ?? ''
const api = new URL(process.env.API_URL ?? `${issuer.href.replace(/\/$/, '')}/api/notes`)
// Plain http is only acceptable on this machine's loopback interface.
const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname)
const options = loopback ? { [oauth.allowInsecureRequests]: true } : {}

const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }))
const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(secret), { scope: process.env.SCOPE ?? 'notes:read' }, options)
const tokens = await oauth.processClientCredentialsResponse(as, client, response)
process.stdout.write(`access token for scope "${tokens.scope}", expires in ${tokens.expires_in}s\n`)

const result = await oauth.protectedResourceRequest(tokens.access_token, 'GET', api, undefined, undefined, options)
process.stdout.write(`GET ${api.href} → ${result.status}\n${await result.text()}\n`)
process.exitCode = result.ok ? 0 : 1
