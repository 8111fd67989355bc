import * as oauth from 'oauth4webapi'
import type { ClientContext } from './context.js'
import { ClientError } from './errors.js'
import { dpopHandle, dpopOption, roundTrip } from './dpop.js'
import { providerStep } from './http.js'
import { freshTokens, requireSession, type ResourceDeps } from './resource.js'

/**
 * Reads the current user's claims from the provider now: the userinfo endpoint for OIDC providers (the
 * `sub` must equal the session's, OIDC Core §5.3.2), the profile API for plain OAuth presets.
 */
export async function readUserinfo(deps: ResourceDeps, ctx: ClientContext): Promise<Record<string, unknown>> {
  const session = await requireSession(deps, ctx)
  const provider = await deps.registry.resolve(session.provider)
  const { as, client, http, config } = provider
  const tokens = await freshTokens(deps, session)
  const fetchProfile = config.profile
  if (fetchProfile) {
    const profile = await providerStep('profile', () => fetchProfile(tokens.access_token, http, config.issuer))
    if (profile.sub !== session.user.sub) throw new ClientError('invalid_response', { detail: 'profile id differs from the session subject' })
    return profile.raw
  }
  if (!as.userinfo_endpoint) throw new ClientError('provider_misconfigured', { detail: 'provider has no userinfo_endpoint' })
  const dpop = session.dpopKey ? await dpopHandle(provider, session.dpopKey) : undefined
  const { result } = await roundTrip('userinfo', dpop,
    () => oauth.userInfoRequest(as, client, tokens.access_token, { ...http, ...dpopOption(dpop) }),
    (response) => oauth.processUserInfoResponse(as, client, session.user.sub, response))
  return { ...result }
}
