/**
 * The Express resource middleware's error path beyond the shared table (test/resource/adapters.test.ts):
 * what `ResourceAccessError` carries, Express's own final handler when the app mounts no error handler,
 * and `resourceErrorHandler()` leaving other errors alone.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireAuth, ResourceAccessError, resourceErrorHandler } from '../../src/adapters/express-resource.js'
import { jsonResponse } from '../../src/http/response.js'
import * as fastifyResource from '../../src/adapters/fastify-resource.js'
import { createResourceServer, ResourceAccessError as PublicResourceAccessError } from '../../src/resource/index.js'
import { AUDIENCE, FakeAuthorizationServer } from '../resource/fixtures.js'

const STACK_FRAME = /\bat \S+:\d+:\d+/

describe('ResourceAccessError', () => {
  it('carries the status, the challenge headers and the RFC 6750 body, and no stack trace', () => {
    const error = new ResourceAccessError(jsonResponse(401, { error: 'use_dpop_nonce', error_description: 'Use the nonce' }, {
      'WWW-Authenticate': 'DPoP error="use_dpop_nonce"',
      'DPoP-Nonce': 'n-1',
    }))
    expect(error.status).toBe(401)
    expect(error.statusCode).toBe(401)
    expect(error.code).toBe('use_dpop_nonce')
    expect(error.message).toBe('Use the nonce')
    // Every header but those describing the body, named as the RFCs spell them.
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': 'n-1', 'Cache-Control': 'no-store', Pragma: 'no-cache' })
    expect(error.body).toEqual({ error: 'use_dpop_nonce', error_description: 'Use the nonce' })
    expect(error.response.headers.get('cache-control')).toBe('no-store')
    expect(error.stack).not.toMatch(STACK_FRAME)
  })

  it('is one class: tessera-oidc/resource, the Express and the Fastify adapters export the same', () => {
    expect(ResourceAccessError).toBe(PublicResourceAccessError)
    expect(fastifyResource.ResourceAccessError).toBe(PublicResourceAccessError)
  })

  it('describes a bare challenge without a code, with a generic client-safe message', () => {
    const error = new PublicResourceAccessError({ status: 401, headers: new Headers({ 'WWW-Authenticate': 'Bearer realm="notes"' }), body: undefined })
    expect(error.code).toBeUndefined()
    expect(error.body).toBeUndefined()
    expect(error.message).toBe('An access token is required')
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="notes"' })
  })
})

describe('requireAuth with Express error handling', () => {
  let as: FakeAuthorizationServer
  let server: Server
  let url: string
  beforeAll(async () => {
    as = await new FakeAuthorizationServer().start()
    const rs = createResourceServer({ issuer: as.url, audience: AUDIENCE, realm: 'notes' })
    const app = express()
    app.get('/bare/notes', requireAuth(rs, { scopes: ['notes:read'] }), (_req, res) => res.json({}))
    app.get('/handled/notes', requireAuth(rs, { scopes: ['notes:read'] }), (_req, res) => res.json({}))
    app.get('/handled/boom', () => {
      throw new Error('not a refusal')
    })
    app.get('/teapot/notes', requireAuth(rs, { scopes: ['notes:read'] }), (_req, res) => res.json({}))
    app.use('/teapot', ((error, _req, res, _next) => {
      const refusal = error as ResourceAccessError
      res.status(418).json({ code: refusal.code, challenge: refusal.headers['WWW-Authenticate'] })
    }) as express.ErrorRequestHandler)
    // The bare route has no error handler but Express's own; the others go through resourceErrorHandler.
    app.use('/handled', resourceErrorHandler(), ((error, _req, res, _next) => {
      res.status(418).json({ passedOn: error instanceof Error ? error.message : String(error) })
    }) as express.ErrorRequestHandler)
    server = await new Promise<Server>((resolve) => {
      const http = app.listen(0, '127.0.0.1', () => resolve(http))
    })
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await as.close()
  })

  it("without an error handler, Express's final handler still sends the status and the challenge, no stack trace", async () => {
    const response = await fetch(`${url}/bare/notes`, { headers: { authorization: 'Bearer a b' } })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes", error="invalid_token"/)
    expect(await response.text()).not.toMatch(STACK_FRAME)
  })

  it('resourceErrorHandler answers the refusal as JSON with its challenge', async () => {
    const response = await fetch(`${url}/handled/notes`)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes", scope="notes:read"/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.text()).toBe('')
  })

  it("the app's error handler sees the refusal (next(err)) and decides the answer", async () => {
    const response = await fetch(`${url}/handled/notes`, { headers: { authorization: 'Bearer a b' } })
    expect(response.status).toBe(401)
    const seen = await fetch(`${url}/teapot/notes`, { headers: { authorization: 'Bearer a b' } })
    expect(seen.status).toBe(418)
    expect(await seen.json()).toEqual({ code: 'invalid_token', challenge: expect.stringMatching(/^Bearer realm="notes", error="invalid_token"/) as unknown })
  })

  it('resourceErrorHandler passes any other error on', async () => {
    const response = await fetch(`${url}/handled/boom`)
    expect(response.status).toBe(418)
    expect(await response.json()).toEqual({ passedOn: 'not a refusal' })
  })
})
