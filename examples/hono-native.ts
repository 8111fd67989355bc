// The README's Hono lines ("Framework adapters"), type-checked; test/examples/readme-adapters.test.ts keeps them equal.
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { createMemoryClientStore, createOAuth } from 'tessera-oidc/client'
import { createResourceServer } from 'tessera-oidc/resource'
import { protectedResourceMetadata, requireAuth } from 'tessera-oidc/adapters/hono-resource'
import { honoRedirect, tesseraClient, type ClientEnv } from 'tessera-oidc/adapters/hono-client'

const rs = createResourceServer({ issuer: 'https://id.example.com', audience: 'https://app.example.com/api' })
const oauth = createOAuth({ store: createMemoryClientStore(), secret: process.env.APP_SECRET! })
oauth.register({ name: 'id', issuer: 'https://id.example.com', clientId: 'app', clientSecret: process.env.CLIENT_SECRET!, scope: 'openid profile' })
const app = new Hono<ClientEnv>()

// An API: the principal in c.var.auth; a refusal is an HTTPException carrying the exact challenge.
app.get('/api/notes', requireAuth(rs, { scopes: ['notes:read'] }), (c) => c.json({ owner: c.var.auth.subject }))
app.get(rs.metadataPath, protectedResourceMetadata(rs))
app.onError((err, c) => (err instanceof HTTPException ? err.getResponse() : c.text('Internal Server Error', 500)))

// Logging users in: c.var.clientContext and c.var.currentUser(); cookies are added after each handler.
app.use('/auth/*', tesseraClient(oauth))
app.get('/auth/login', async (c) => honoRedirect(c, await oauth.authorizeRedirect(c.var.clientContext, 'id', 'https://app.example.com/auth/callback')))
app.on(['GET', 'POST'], '/auth/callback', async (c) => honoRedirect(c, { status: 303, location: (await oauth.authorizeAccessToken(c.var.clientContext, 'id')).returnTo }))
app.get('/auth/me', async (c) => c.json((await c.var.currentUser()) ?? { signedIn: false }))
