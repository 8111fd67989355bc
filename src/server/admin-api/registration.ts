import { createInitialAccessToken, listInitialAccessTokens, revokeInitialAccessToken } from '../rfc7591/index.js'
import { bodyOf, json, noContent } from './http.js'
import type { AdminOperation } from './operation.js'
import { notFound } from './problem.js'
import { InitialAccessTokenCreate } from './schemas.js'

const DEFAULT_EXPIRY = 86_400

const create: AdminOperation = {
  id: 'createInitialAccessToken', method: 'POST', path: '/registration/tokens', scope: 'admin:registration:write',
  async handle({ ctx, request, admin }) {
    const body: InitialAccessTokenCreate = request.body === undefined || request.body.byteLength === 0 ? {} : bodyOf(request, InitialAccessTokenCreate)
    const { token, expiresAt, id } = await createInitialAccessToken(ctx.config.store, { now: ctx.config.now(), expiresIn: body.expires_in ?? DEFAULT_EXPIRY })
    await admin.audit.record({ type: 'admin.initial_access_token_created', token_id: id, expires_at: expiresAt, actor: 'admin' })
    // RFC 7591 §3: shown once; the store keeps its SHA-256.
    return json(201, { id, initial_access_token: token, expires_at: expiresAt })
  },
}

const list: AdminOperation = {
  id: 'listInitialAccessTokens', method: 'GET', path: '/registration/tokens', scope: 'admin:registration:read',
  async handle({ ctx }) {
    return json(200, { items: await listInitialAccessTokens(ctx.config.store, ctx.config.now()) })
  },
}

const revoke: AdminOperation = {
  id: 'revokeInitialAccessToken', method: 'DELETE', path: '/registration/tokens/{token_id}', scope: 'admin:registration:write',
  async handle({ ctx, params, admin }) {
    const id = params.token_id ?? ''
    if (!(await revokeInitialAccessToken(ctx.config.store, id, ctx.config.now()))) throw notFound('initial access token')
    await admin.audit.record({ type: 'admin.initial_access_token_revoked', token_id: id, actor: 'admin' })
    return noContent()
  },
}

export const REGISTRATION_OPERATIONS: readonly AdminOperation[] = [create, list, revoke]
