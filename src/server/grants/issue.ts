import { OAuthError } from '../../errors.js'
import type { OAuthResponse } from '../../http/types.js'
import type { ClientRecord, RefreshTokenRecord, UserRecord } from '../../storage/types.js'
import { loadResources } from '../resources/directory.js'
import { tokenTarget } from '../resources/target.js'
import type { ServerContext } from '../context.js'
import { discardAccessToken, issueAccessToken, type IssuedAccessToken } from '../tokens/access-token.js'
import { issueIdToken } from '../tokens/id-token.js'
import { newRefreshToken } from '../tokens/refresh-token.js'
import { tokenResponse, type TokenResponseFields } from '../tokens/token-response.js'
import { bindRefreshFamily } from '../dpop/records.js'
import type { GrantAssurance } from '../mfa/records.js'

export interface UserGrant {
  client: ClientRecord
  user: UserRecord
  /** What the user authorized: the refresh token and ID token carry all of it. */
  scopes: string[]
  /** The resources the authorization request named (RFC 8707 §2.1), maybe none. */
  resources: string[]
  /** The token request's `resource` values: the access token's audience, within the grant (RFC 8707 §2.2). */
  requestedResources: readonly string[]
  grantId: string
  authTime: number
  sessionId: string | null
  nonce?: string | null | undefined
  /** Absolute end of the refresh family (kept across rotations). */
  familyExpiresAt?: number | undefined
  /** RFC 9449 §6: the DPoP key the access token (and a public client's refresh token) is bound to. */
  dpopJkt?: string | undefined
  /** How the user authenticated for this grant (src/server/mfa/): `acr` in both tokens, `amr` in the ID token. */
  assurance?: GrantAssurance | undefined
}

/**
 * RFC 6749 §1.5 / OIDC Core §11: a refresh token only for clients registered for the refresh grant and,
 * for OpenID requests, only when the user granted `offline_access`.
 */
export function mayIssueRefreshToken(client: ClientRecord, scopes: readonly string[]): boolean {
  if (!client.grant_types.includes('refresh_token')) return false
  return !scopes.includes('openid') || scopes.includes('offline_access')
}

export interface IssuedUserTokens {
  response: OAuthResponse
  /** What `response` says, for a caller that answers with another refresh token (the rotation grace). */
  fields: TokenResponseFields
  /** Unsaved: the caller stores it in its own atomic write (save or rotate). */
  refresh?: RefreshTokenRecord
  /** The access token; an opaque one is already saved, so a caller whose write fails discards it. */
  access: IssuedAccessToken
  issued: IssuedTokenIds
}

/**
 * Builds the tokens of a user grant; the refresh token record is returned unsaved for the caller's atomic
 * write. An opaque access token is saved first (see `issueAccessToken`): a record nobody holds the value
 * of is harmless, a response carrying a token that was never stored is not.
 */
export async function issueUserTokens(ctx: ServerContext, grant: UserGrant): Promise<IssuedUserTokens> {
  const target = tokenTarget(await loadResources(ctx), ctx.config.issuer, grant, grant.requestedResources)
  const access = await issueAccessToken(ctx, {
    subject: grant.user.id,
    clientId: grant.client.client_id,
    scopes: target.scopes,
    audience: target.audience,
    grantId: grant.grantId,
    authTime: grant.authTime,
    dpopJkt: grant.dpopJkt,
    acr: grant.assurance?.acr,
  })
  try {
    return await completeUserTokens(ctx, grant, access, target.scopes)
  } catch (error) {
    await discardAccessToken(ctx, access)
    throw error
  }
}

/**
 * `issueUserTokens` for a grant that starts a refresh family (code exchange, device code): the refresh
 * token is saved here, and if that fails no stored opaque access token stays behind, since no response
 * goes out. Rotation (the refresh grant) writes its own successor atomically instead.
 */
export async function issueAndSaveUserTokens(ctx: ServerContext, grant: UserGrant): Promise<IssuedUserTokens> {
  const issued = await issueUserTokens(ctx, grant)
  if (issued.refresh) {
    try {
      await ctx.config.store.refreshTokens.save(issued.refresh)
    } catch (error) {
      await discardAccessToken(ctx, issued.access)
      throw error
    }
  }
  return issued
}

async function completeUserTokens(ctx: ServerContext, grant: UserGrant, access: IssuedAccessToken, accessScopes: string[]): Promise<IssuedUserTokens> {
  const idToken = grant.scopes.includes('openid')
    ? await issueIdToken(ctx, {
        user: grant.user,
        client: grant.client,
        scopes: grant.scopes,
        authTime: grant.authTime,
        nonce: grant.nonce,
        sessionId: grant.sessionId,
        accessToken: access.token,
        amr: grant.assurance?.amr,
        acr: grant.assurance?.acr,
      })
    : undefined
  let refresh: ReturnType<typeof newRefreshToken> | undefined
  if (mayIssueRefreshToken(grant.client, grant.scopes)) {
    const now = ctx.config.now()
    refresh = newRefreshToken({
      grant_id: grant.grantId,
      client_id: grant.client.client_id,
      user_id: grant.user.id,
      scopes: grant.scopes,
      resources: grant.resources,
      auth_time: grant.authTime,
      session_id: grant.sessionId,
      created_at: now,
      expires_at: grant.familyExpiresAt ?? now + ctx.config.lifetimes.refreshToken,
    })
    // RFC 9449 §5: a public client's refresh tokens are bound to its DPoP key (a confidential client's
    // are bound to its credentials already). Written before the token is saved: never unbound.
    if (grant.dpopJkt !== undefined && grant.client.token_endpoint_auth_method === 'none') {
      await bindRefreshFamily(ctx, grant.grantId, grant.dpopJkt, { subject: grant.user.id, clientId: grant.client.client_id, expiresAt: refresh.record.expires_at })
    }
  }
  const fields: TokenResponseFields = {
    accessToken: access.token,
    expiresIn: access.expiresIn,
    // RFC 6749 §5.1: the scope of the access token, which a resource indicator may have narrowed.
    scopes: accessScopes,
    refreshToken: refresh?.token,
    idToken,
    dpopJkt: grant.dpopJkt,
  }
  const response = tokenResponse(fields)
  const issued: IssuedTokenIds = { jti: String(access.claims.jti), idToken: idToken !== undefined }
  return refresh ? { response, fields, refresh: refresh.record, access, issued } : { response, fields, access, issued }
}

/** What the audit trail records about issued tokens: ids, never values. */
export interface IssuedTokenIds {
  /** `jti` of the access token. */
  jti: string
  idToken: boolean
}

export async function requireUser(ctx: ServerContext, userId: string): Promise<UserRecord> {
  const user = await ctx.config.store.users.get(userId)
  // A deleted user's grants die with the account (catalogue ST-05); a disabled user's issue nothing.
  if (!user || user.disabled) throw new OAuthError('invalid_grant', 'The grant is no longer valid')
  return user
}
