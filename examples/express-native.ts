// The README's Express lines ("Framework adapters"), type-checked; test/examples/readme-adapters.test.ts keeps them equal.
import express from 'express'
import { createMemoryClientStore, createOAuth } from 'tessera-oidc/client'
import { createResourceServer } from 'tessera-oidc/resource'
import { protectedResourceMetadata, requireAuth, resourceErrorHandler } from 'tessera-oidc/adapters/express-resource'
import { sendExpressRedirect, tesseraClient } from 'tessera-oidc/adapters/express-client'

const rs = createResourceServer({ issuer: 'https://id.example.com', audience: 'https://app.example.com/api' })
const oauth = createOAuth({ store: createMemoryClientStore(), secret: process.env.APP_SECRET! })
oauth.register({ name: 'id', issuer: 'https://id.example.com', clientId: 'app', clientSecret: process.env.CLIENT_SECRET!, scope: 'openid profile' })
const app = express()

// An API: the principal in req.auth; a refusal goes to next(err) as a ResourceAccessError carrying the exact challenge.
app.get('/api/notes', requireAuth(rs, { scopes: ['notes:read'] }), (req, res) => res.json({ owner: req.auth?.subject }))
app.get(rs.metadataPath, protectedResourceMetadata(rs))

// Logging users in: req.clientContext and req.currentUser(); cookies are written however the route answers.
app.use('/auth', tesseraClient(oauth))
app.get('/auth/login', async (req, res) => sendExpressRedirect(res, await oauth.authorizeRedirect(req.clientContext, 'id', 'https://app.example.com/auth/callback')))
app.all('/auth/callback', async (req, res) => sendExpressRedirect(res, (await oauth.authorizeAccessToken(req.clientContext, 'id')).returnTo))
app.get('/auth/me', async (req, res) => res.json((await req.currentUser()) ?? { signedIn: false }))

app.use(resourceErrorHandler()) // after the routes: 400/401/403 with WWW-Authenticate and the RFC 6750 body
