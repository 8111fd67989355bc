// The README's Fastify lines ("Framework adapters"), type-checked; test/examples/readme-adapters.test.ts keeps them equal.
import Fastify from 'fastify'
import { createMemoryClientStore, createOAuth } from 'tessera-oidc/client'
import { createResourceServer } from 'tessera-oidc/resource'
import { protectedResourceMetadata, resourceErrorHandler, tesseraResource } from 'tessera-oidc/adapters/fastify-resource'
import { sendFastifyRedirect, tesseraClient } from 'tessera-oidc/adapters/fastify-client'

const rs = createResourceServer({ issuer: 'https://id.example.com', audience: 'https://app.example.com/api' })
const oauth = createOAuth({ store: createMemoryClientStore(), secret: process.env.APP_SECRET! })
oauth.register({ name: 'id', issuer: 'https://id.example.com', clientId: 'app', clientSecret: process.env.CLIENT_SECRET!, scope: 'openid profile' })
const app = Fastify()

// An API: request.auth, app.requireAuth(); refusals go to the error handler with status and challenge headers.
await app.register(tesseraResource, { resourceServer: rs })
app.get('/api/notes', { preHandler: app.requireAuth({ scopes: ['notes:read'] }) }, async (request) => ({ owner: request.auth?.subject }))
app.get(rs.metadataPath, protectedResourceMetadata(rs))
app.setErrorHandler(resourceErrorHandler()) // optional: the RFC 6750 JSON body instead of Fastify's error body

// Logging users in: request.clientContext and request.currentUser(); cookies are added in onSend.
await app.register(tesseraClient, { oauth })
app.get('/auth/login', async (request, reply) => sendFastifyRedirect(reply, await oauth.authorizeRedirect(request.clientContext, 'id', 'https://app.example.com/auth/callback')))
app.route({ method: ['GET', 'POST'], url: '/auth/callback', handler: async (request, reply) => sendFastifyRedirect(reply, { status: 303, location: (await oauth.authorizeAccessToken(request.clientContext, 'id')).returnTo }) })
app.get('/auth/me', async (request) => (await request.currentUser()) ?? { signedIn: false })
