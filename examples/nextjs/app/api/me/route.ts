// A route handler protected by tessera-oidc/resource: a bearer token with notes:read, or the RFC 6750 challenge.
import { withResource } from 'tessera-oidc/next'
import { api } from '@/lib/auth'

export const GET = withResource(api, (_request, { principal }) => Response.json({ sub: principal.subject, client_id: principal.clientId, scope: principal.scopes.join(' ') }), { scopes: ['notes:read'] })
