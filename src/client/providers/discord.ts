import { ClientError } from '../errors.js'
import type { RequestOptions } from '../http.js'
import { getJson, isRecord, optionalString, subjectOf, type ProviderProfile } from './profile.js'

/**
 * Discord's user from `/users/@me`: `sub` is the snowflake id; `email` (scope `email`) with its `verified`
 * flag.
 *
 * @see https://discord.com/developers/docs/resources/user#get-current-user
 */
export async function discordProfile(accessToken: string, options: RequestOptions): Promise<ProviderProfile> {
  const user = await getJson(accessToken, 'https://discord.com/api/v10/users/@me', options)
  if (!isRecord(user)) throw new ClientError('invalid_response', { detail: 'Discord /users/@me did not answer an object' })
  const sub = subjectOf(user.id, 'Discord /users/@me')
  const email = optionalString(user.email)
  const name = optionalString(user.global_name) ?? optionalString(user.username)
  const username = optionalString(user.username)
  const avatar = optionalString(user.avatar)
  return {
    sub,
    ...(email ? { email, email_verified: user.verified === true } : {}),
    ...(name ? { name } : {}),
    ...(username ? { preferred_username: username } : {}),
    ...(avatar ? { picture: `https://cdn.discordapp.com/avatars/${encodeURIComponent(sub)}/${encodeURIComponent(avatar)}.png` } : {}),
    raw: user,
  }
}
