import { DEVICE_CODE_GRANT_TYPE } from '../../protocol/rfc8628/device-authorization.js'
import type { Capability } from '../context.js'
import { DEVICE_AUDIT_EVENTS } from './audit-events.js'
import { deviceAuthorizationEndpoint } from './endpoint.js'
import { deviceCodeGrant } from './grant.js'
import { resolveDeviceAuthorizationOptions, type DeviceAuthorizationOptions } from './options.js'
import { deviceSignInClientSource, signInCallback } from './sign-in.js'
import { showVerification, submitVerification } from './verification.js'

export type { DeviceAuthorizationOptions } from './options.js'
export { DEVICE_SIGN_IN_CLIENT_ID } from './sign-in.js'
export { deviceCodeGrant } from './grant.js'

/**
 * The device authorization grant (RFC 8628) for devices without a browser or keyboard: `POST
 * /device_authorization` (`device_authorization_endpoint` in discovery) gives the device a device code and
 * a user code; the user signs in at `/device` (the verification URI, through the server's one login with
 * its second factor and upstream providers), checks the code, sees which client asks and the
 * remote-phishing warning of §5.4, and approves or denies; the device polls the token endpoint with
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code`. Clients registered only for this grant need no
 * redirect URI. `tessera-oidc serve` always registers it (configuration file `deviceFlow`).
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [deviceAuthorization({ lifetimeSeconds: 900 })] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8628
 */
export function deviceAuthorization(options: DeviceAuthorizationOptions = {}): Capability {
  const resolved = resolveDeviceAuthorizationOptions(options)
  return {
    name: 'device-authorization',
    spec: 'RFC 8628',
    endpoints: [
      {
        name: 'deviceAuthorization', path: '/device_authorization', methods: ['POST'], metadata: 'device_authorization_endpoint',
        handle: (ctx, request) => deviceAuthorizationEndpoint(ctx, request, resolved),
      },
      {
        name: 'deviceVerification', path: '/device', methods: ['GET', 'POST'], html: true,
        handle: (ctx, request) => (request.method === 'POST' ? submitVerification(resolved)(ctx, request) : showVerification(ctx, request)),
        below: [{ pattern: /^\/callback$/, methods: ['GET'], handle: (ctx, request) => signInCallback(ctx, request) }],
      },
    ],
    grants: [deviceCodeGrant],
    clientSource: deviceSignInClientSource,
    auditEvents: DEVICE_AUDIT_EVENTS,
  }
}

export { DEVICE_CODE_GRANT_TYPE }
