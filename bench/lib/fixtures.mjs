// The registrations both servers get, identical on each side so that every request is the same bytes.
import { createHash } from 'node:crypto'

export const CLIENT_ID = 'bench-client'
export const CLIENT_SECRET = 'bench-client-secret-0123456789-abcdefghijklmnopqrstuvwxyz'
export const REDIRECT_URI = 'http://127.0.0.1:9/cb'
/** The protected API (RFC 8707 resource) whose scopes the access tokens carry. */
export const API = 'https://api.bench.test'
export const API_SCOPES = { 'notes:read': 'Read your notes', 'notes:write': 'Change your notes' }
export const CLIENT_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'notes:read', 'notes:write']
/** Scopes of prepared codes and refresh tokens: an ID token, a refresh token and an API access token. */
export const USER_GRANT_SCOPES = ['openid', 'offline_access', 'notes:read']
export const USERNAME = 'bench'
export const PASSWORD = 'bench-password-correct-horse'
export const USER_PROFILE = { name: 'Bench User', given_name: 'Bench', family_name: 'User', email: 'bench@example.test', email_verified: true }
/** 32 random bytes are the usual verifier; one fixed verifier is enough since every code is distinct. */
export const CODE_VERIFIER = 'bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz'
export const CODE_CHALLENGE = createHash('sha256').update(CODE_VERIFIER, 'ascii').digest('base64url')
export const NONCE = 'bench-nonce-0123456789'
export const SERVER_SECRET = 'bench-server-secret-0123456789-abcdefghijklmnop'

export function basicAuthorization() {
  // RFC 6749 §2.3.1: form-encode id and secret before base64 (both are plain ASCII here).
  return `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`
}
