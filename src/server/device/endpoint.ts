import { OAuthError } from '../../errors.js'
import { StorageConflictError } from '../../storage/types.js'
import { randomToken, sha256 } from '../../crypto/random.js'
import { formParameters } from '../../http/form.js'
import { jsonResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { isSubset, parseScope } from '../../protocol/rfc6749/scope.js'
import { readResourceIndicators } from '../../protocol/rfc8707/resource-indicator.js'
import { DEVICE_CODE_GRANT_TYPE, verificationUriComplete, type DeviceAuthorizationResponse } from '../../protocol/rfc8628/device-authorization.js'
import { formatUserCode, generateUserCode } from '../../protocol/rfc8628/user-code.js'
import { saveDeviceCode } from '../../storage/kinds/device-codes.js'
import { authenticateClientWithinLimits } from '../abuse/limited-authentication.js'
import type { ServerContext } from '../context.js'
import { tokenError } from '../endpoints/token.js'
import { loadResources } from '../resources/directory.js'
import { authorizationTargetError } from '../resources/target.js'
import type { ResolvedDeviceAuthorizationOptions } from './options.js'
import { verificationUri } from './sign-in.js'

/**
 * The device authorization endpoint (RFC 8628 §3.1, §3.2): the client authenticates as at the token
 * endpoint (a public client names itself by `client_id`), and gets a device code to poll with and a user
 * code for the person at the verification page. Errors are RFC 6749 §5.2 JSON (§3.2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export async function deviceAuthorizationEndpoint(ctx: ServerContext, request: OAuthRequest, options: ResolvedDeviceAuthorizationOptions): Promise<OAuthResponse> {
  try {
    const params = formParameters(request)
    // RFC 8707 §2: `resource` is the one parameter that may be repeated.
    const repeated = params.repeated(['resource'])
    if (repeated.length > 0) throw new OAuthError('invalid_request', `Parameter ${repeated[0]} was repeated`)
    const client = await authenticateClientWithinLimits(ctx, request, params, 'token')
    // RFC 8628 §3.1 → RFC 6749 §5.2: only a client registered for the grant may start it.
    if (!client.grant_types.includes(DEVICE_CODE_GRANT_TYPE)) throw new OAuthError('unauthorized_client', 'The client is not allowed to use the device authorization grant')
    const directory = await loadResources(ctx)
    const requested = parseScope(params.get('scope'))
    // RFC 6749 §3.3: without `scope`, what the client is registered for.
    const scopes = requested.length > 0 ? requested : [...client.scopes]
    if (!isSubset(scopes, client.scopes) || !isSubset(scopes, directory.scopesSupported)) {
      throw new OAuthError('invalid_scope', 'The requested scope is unknown or not allowed for this client')
    }
    const resources = readResourceIndicators(params.all('resource'))
    const targetError = authorizationTargetError(directory, client.scopes, resources, scopes)
    if (targetError) throw targetError

    const deviceCode = randomToken(32)
    const now = ctx.config.now()
    const grantId = randomToken(16)
    let userCode = generateUserCode()
    // 20^8 codes and a few live flows: a clash is rare, and a fresh draw settles it.
    for (let attempt = 0; ; attempt++) {
      try {
        await saveDeviceCode(ctx.config.store.records, sha256(deviceCode), sha256(userCode), {
          client_id: client.client_id, scopes, resources, user_code: userCode, grant_id: grantId, created_at: now,
          expires_at: now + options.lifetimeSeconds, interval: options.intervalSeconds, last_polled_at: null, status: 'pending',
          user_id: null, auth_time: null, session_id: null, amr: null, acr: null,
        })
        break
      } catch (error) {
        if (!(error instanceof StorageConflictError) || attempt >= 4) throw error
        userCode = generateUserCode()
      }
    }
    void ctx.audit.record({ type: 'device_code.issued', client_id: client.client_id, scopes, grant_id: grantId, client_address: request.remoteAddress ?? null })
    const verification = verificationUri(ctx)
    const shown = formatUserCode(userCode)
    const body: DeviceAuthorizationResponse = {
      device_code: deviceCode,
      user_code: shown,
      verification_uri: verification,
      verification_uri_complete: verificationUriComplete(verification, shown),
      expires_in: options.lifetimeSeconds,
      interval: options.intervalSeconds,
    }
    // jsonResponse adds Cache-Control: no-store (§3.2: the response carries secrets).
    return jsonResponse(200, body)
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    if (error.detail) ctx.config.logger?.info({ event: 'device_authorization.error', error: error.error, detail: error.detail }, 'device authorization request refused')
    return tokenError(ctx, error)
  }
}
