import { insecureEndpoints, issuerIdentifierProblems, issuerMatches, pkceSupport } from '../protocol/rfc8414/metadata-rules.js'
import type { CheckResult } from './types.js'

/** Whether a metadata document speaks of OpenID Connect, so OIDC relying parties will look for it. */
export function claimsOpenIdConnect(document: Readonly<Record<string, unknown>>): boolean {
  const scopes = document.scopes_supported
  return document.userinfo_endpoint !== undefined || document.id_token_signing_alg_values_supported !== undefined || (Array.isArray(scopes) && scopes.includes('openid'))
}

/**
 * The checks on an authorization server's metadata document that need nothing but the document: the
 * issuer (RFC 8414 §2, §3.3), https endpoints, `response_types_supported`, PKCE S256 (RFC 7636 §4.2) and
 * the `iss` authorization response parameter (RFC 9207 §3). Pure: the document was fetched from
 * `documentUrl` for `issuer`.
 *
 * @example
 * ```ts
 * const results = evaluateAuthorizationServerMetadata('https://as.example.com', document, 'https://as.example.com/.well-known/oauth-authorization-server')
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function evaluateAuthorizationServerMetadata(issuer: string, document: Readonly<Record<string, unknown>>, documentUrl: string): CheckResult[] {
  const results: CheckResult[] = []
  const add = (result: Omit<CheckResult, 'subject'> & { subject?: string }): void => {
    results.push({ subject: issuer, ...result })
  }

  const identifierProblems = issuerIdentifierProblems(issuer)
  add(identifierProblems.length === 0
    ? { id: 'as.issuer-identifier', status: 'pass', message: `issuer ${issuer} is an https URL (or loopback) without query or fragment`, spec: 'RFC 8414 §2' }
    : { id: 'as.issuer-identifier', status: 'fail', message: `issuer ${issuer} ${identifierProblems.join(', ')}`, fix: 'set the issuer to an https URL without query or fragment (tessera-oidc serve: --issuer https://…)', spec: 'RFC 8414 §2' })

  add(issuerMatches(issuer, document)
    ? { id: 'as.issuer', status: 'pass', subject: documentUrl, message: `issuer is exactly ${issuer}`, spec: 'RFC 8414 §3.3' }
    : {
        id: 'as.issuer', status: 'fail', subject: documentUrl,
        message: `the document at ${documentUrl} says issuer ${JSON.stringify(document.issuer)}, but it was fetched for ${JSON.stringify(issuer)}: clients reject it`,
        fix: typeof document.issuer === 'string' && document.issuer.replace(/\/+$/, '') === issuer.replace(/\/+$/, '')
          // A trailing "/" typed on the command line is the likeliest cause; RFC 8414 §3.3 still counts it.
          ? `point clients at the issuer exactly as the server names it: "${document.issuer}" (or set issuer to "${issuer}")`
          : `set issuer to "${issuer}" in the metadata (or publish the metadata of ${JSON.stringify(document.issuer)} at its own well-known location and point clients there)`,
        spec: 'RFC 8414 §3.3',
      })

  const insecure = insecureEndpoints(document)
  add(insecure.length === 0
    ? { id: 'as.endpoints-https', status: 'pass', message: 'every endpoint is https (or on loopback)', spec: 'RFC 8414 §2' }
    : {
        id: 'as.endpoints-https', status: 'fail',
        message: `not https on a non-loopback host: ${insecure.map(({ member, value }) => `${member} ${JSON.stringify(value)}`).join(', ')}`,
        fix: insecure.map(({ member, value }) => `set ${member} to ${typeof value === 'string' && value.startsWith('http:') ? JSON.stringify(value.replace(/^http:/, 'https:')) : 'an https URL'}`).join('; '),
        spec: 'RFC 8414 §2',
      })

  const responseTypes = document.response_types_supported
  if (!Array.isArray(responseTypes)) {
    add({ id: 'as.response-types', status: 'fail', message: 'response_types_supported is missing (it is REQUIRED)', fix: 'set response_types_supported to ["code"]', spec: 'RFC 8414 §2' })
  } else if (!responseTypes.includes('code')) {
    add({ id: 'as.response-types', status: 'fail', message: `response_types_supported ${JSON.stringify(responseTypes)} lacks "code": no authorization code flow for clients`, fix: 'add "code" to response_types_supported', spec: 'RFC 8414 §2' })
  } else {
    add({ id: 'as.response-types', status: 'pass', message: `response_types_supported includes "code"`, spec: 'RFC 8414 §2' })
  }

  const pkce = pkceSupport(document)
  if (pkce === 's256') {
    add({ id: 'as.pkce-s256', status: 'pass', message: 'code_challenge_methods_supported includes S256', spec: 'RFC 7636 §4.2' })
  } else {
    const why = {
      absent: 'code_challenge_methods_supported is missing: clients must assume PKCE is not supported, and MCP clients refuse to continue',
      'plain-only': 'only the plain PKCE method is offered: the code verifier travels in clear',
      'no-s256': `code_challenge_methods_supported ${JSON.stringify(document.code_challenge_methods_supported)} does not include S256`,
    }[pkce]
    add({ id: 'as.pkce-s256', status: 'fail', message: why, fix: 'support PKCE with S256 and set code_challenge_methods_supported to ["S256"]', spec: 'RFC 7636 §4.2' })
  }

  add(document.authorization_response_iss_parameter_supported === true
    ? { id: 'as.iss-parameter', status: 'pass', message: 'authorization responses carry iss (mix-up defence)', spec: 'RFC 9207 §3' }
    : {
        id: 'as.iss-parameter', status: 'warn',
        message: 'authorization_response_iss_parameter_supported is not true: clients that talk to several authorization servers (as MCP clients do) cannot detect mix-up attacks',
        fix: 'add iss to authorization responses and set authorization_response_iss_parameter_supported to true',
        spec: 'RFC 9207 §3',
      })

  const registration = typeof document.registration_endpoint === 'string'
  const metadataDocuments = document.client_id_metadata_document_supported === true
  add(registration || metadataDocuments
    ? { id: 'as.client-onboarding', status: 'pass', message: `clients can identify themselves without pre-registration: ${[registration ? 'dynamic registration' : '', metadataDocuments ? 'client ID metadata documents' : ''].filter(Boolean).join(' and ')}` }
    : {
        id: 'as.client-onboarding', status: 'warn',
        message: 'neither registration_endpoint nor client_id_metadata_document_supported is advertised: only pre-registered clients can connect (MCP clients usually are not)',
        fix: 'enable dynamic client registration (tessera-oidc serve --registration open|token) or client ID metadata documents',
      })
  return results
}
