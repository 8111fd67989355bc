// The README's "tutorial in ten lines of TypeScript", type-checked with the rest of the project.
import express from 'express'
import { createMemoryClientStore, createOAuth } from 'tessera-oidc/client'
import { sendExpressRedirect as redirect, tesseraClient } from 'tessera-oidc/adapters/express-client'

const oauth = createOAuth({ store: createMemoryClientStore(), secret: process.env.APP_SECRET! })
oauth.register({ name: 'google', preset: 'google', clientId: process.env.GOOGLE_CLIENT_ID!, clientSecret: process.env.GOOGLE_CLIENT_SECRET!, scope: 'openid profile email' })
const app = express().use(tesseraClient(oauth))
app.get('/login', async (req, res) => redirect(res, await oauth.authorizeRedirect(req.clientContext, 'google', 'http://localhost:3000/authorize')))
app.get('/authorize', async (req, res) => { await oauth.authorizeAccessToken(req.clientContext, 'google'); redirect(res, '/profile') })
app.get('/profile', async (req, res) => { const user = await oauth.currentUser(req.clientContext); res.type('text').send(user ? `Hello, ${user.name}` : 'Not signed in') })
app.listen(3000)
