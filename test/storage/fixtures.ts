import type {
  AccessTokenRecord, AuthorizationCodeRecord, ClientRecord, InteractionRecord, LoginSessionRecord, RefreshTokenRecord,
  SigningKeyRecord, Store, UserRecord,
} from '../../src/storage/types.js'

/** A fixed clock: every record below is valid at `NOW` and expires a while later. */
export const NOW = 1_700_000_000

/** The client and user `seed` creates; most fixtures belong to them. */
export const CLIENT_ID = 'client-a'
export const USER_ID = 'user-1'

export function client(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    client_id: CLIENT_ID,
    client_secret_hash: 'c2VjcmV0LWhhc2g',
    client_name: 'Client A',
    redirect_uris: ['https://a.example/callback'],
    post_logout_redirect_uris: ['https://a.example/'],
    grant_types: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
    skip_consent: false,
    created_at: NOW,
    application_type: 'web',
    client_uri: null,
    logo_uri: null,
    policy_uri: null,
    tos_uri: null,
    contacts: [],
    registered_by: 'operator',
    registration_access_token_hash: null,
    expires_at: null,
    client_secret_expires_at: null,
    disabled: false,
    jwks: null,
    jwks_uri: null,
    token_endpoint_auth_signing_alg: null,
    client_secret_sealed: null,
    require_pushed_authorization_requests: false,
    dpop_bound_access_tokens: false,
    request_object_signing_alg: null,
    require_signed_request_object: false,
    ...overrides,
  }
}

export function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: USER_ID,
    username: 'alice',
    password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    name: 'Alice',
    given_name: null,
    family_name: null,
    email: 'alice@example.com',
    email_verified: true,
    picture: null,
    created_at: NOW,
    updated_at: NOW,
    disabled: false,
    ...overrides,
  }
}

export function code(overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    code_hash: 'code-hash-1',
    client_id: CLIENT_ID,
    user_id: USER_ID,
    redirect_uri: 'https://a.example/callback',
    scopes: ['openid', 'profile'],
    resources: [],
    nonce: 'n-0S6_WzA2Mj',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    auth_time: NOW - 5,
    session_id: 'sid-1',
    grant_id: 'grant-1',
    expires_at: NOW + 60,
    consumed_at: null,
    ...overrides,
  }
}

export function refreshToken(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    token_hash: 'refresh-hash-1',
    grant_id: 'grant-1',
    client_id: CLIENT_ID,
    user_id: USER_ID,
    scopes: ['openid', 'offline_access'],
    resources: ['https://api.example', 'https://reports.example/v1'],
    auth_time: NOW - 5,
    session_id: null,
    created_at: NOW,
    expires_at: NOW + 3600,
    consumed_at: null,
    ...overrides,
  }
}

export function accessToken(overrides: Partial<AccessTokenRecord> = {}): AccessTokenRecord {
  return {
    token_hash: 'access-hash-1',
    jti: 'grant-1.jti-1',
    grant_id: 'grant-1',
    client_id: CLIENT_ID,
    subject: USER_ID,
    user_id: USER_ID,
    scopes: ['openid', 'notes:read'],
    audience: ['https://api.example'],
    auth_time: NOW - 5,
    created_at: NOW,
    expires_at: NOW + 300,
    ...overrides,
  }
}

export function session(overrides: Partial<LoginSessionRecord> = {}): LoginSessionRecord {
  return {
    id_hash: 'session-hash-1',
    sid: 'sid-1',
    user_id: USER_ID,
    auth_time: NOW,
    created_at: NOW,
    expires_at: NOW + 600,
    ...overrides,
  }
}

export function interaction(overrides: Partial<InteractionRecord> = {}): InteractionRecord {
  return {
    id: 'interaction-1',
    browser_binding_hash: 'binding-hash',
    request: '{"client_id":"client-a","scope":"openid"}',
    csrf_token: 'csrf-1',
    user_id: null,
    auth_time: null,
    created_at: NOW,
    expires_at: NOW + 600,
    ...overrides,
  }
}

export function signingKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid: 'kid-1',
    alg: 'ES256',
    public_jwk: '{"kty":"EC","crv":"P-256","x":"x","y":"y"}',
    private_key_encrypted: 'encrypted',
    created_at: NOW,
    retired_at: null,
    expires_at: null,
    ...overrides,
  }
}

/** Creates the client and user that codes, tokens, consents and sessions refer to (SQL stores enforce it). */
export async function seed(store: Store): Promise<void> {
  await store.clients.create(client())
  await store.users.create(user())
}
