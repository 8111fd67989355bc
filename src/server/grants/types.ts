import type { Parameters } from '../../http/form.js'
import type { OAuthResponse } from '../../http/types.js'
import type { ClientRecord, GrantType } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

/** One grant type of the token endpoint (RFC 6749 §4), registered on the server by `grant_type`. */
export interface Grant {
  type: GrantType
  handle(ctx: ServerContext, client: ClientRecord, params: Parameters): Promise<OAuthResponse>
}
