import { ClientError } from '../errors.js'
import type { RequestOptions } from '../http.js'
import { getJson, isRecord, optionalString, subjectOf, type ProviderProfile } from './profile.js'

/** The REST API of github.com, or of a GitHub Enterprise Server instance (`<origin>/api/v3`). */
function apiOf(issuer: string): string {
  return issuer === 'https://github.com' ? 'https://api.github.com' : `${issuer.replace(/\/$/, '')}/api/v3`
}
const GITHUB_JSON = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' }

/**
 * GitHub's user: `sub` is the numeric account id (logins can be renamed and reused); the email is the
 * primary *verified* one from `/user/emails` (needs the `user:email` scope), never the unverified profile
 * email.
 *
 * @see https://docs.github.com/en/rest/users/users#get-the-authenticated-user
 * @see https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
 */
export async function githubProfile(accessToken: string, options: RequestOptions, issuer = 'https://github.com'): Promise<ProviderProfile> {
  const API = apiOf(issuer)
  const user = await getJson(accessToken, `${API}/user`, options, GITHUB_JSON)
  if (!isRecord(user)) throw new ClientError('invalid_response', { detail: 'GitHub /user did not answer an object' })
  const emails = await getJson(accessToken, `${API}/user/emails`, options, GITHUB_JSON)
  const primary = Array.isArray(emails) ? emails.find((entry: unknown) => isRecord(entry) && entry.primary === true && entry.verified === true) : undefined
  const email = isRecord(primary) ? optionalString(primary.email) : undefined
  const name = optionalString(user.name)
  const login = optionalString(user.login)
  const picture = optionalString(user.avatar_url)
  return {
    sub: subjectOf(user.id, 'GitHub /user'),
    ...(email ? { email, email_verified: true } : {}),
    ...(name ? { name } : {}),
    ...(login ? { preferred_username: login } : {}),
    ...(picture ? { picture } : {}),
    raw: user,
  }
}
