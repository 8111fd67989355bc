import type { AuthorizationServer } from 'oauth4webapi'
import type { TokenEndpointAuthMethod } from '../token-endpoint-auth.js'
import { discordProfile } from './discord.js'
import { githubProfile } from './github.js'
import type { ProfileFetcher } from './profile.js'

/** Template values a preset's issuer needs. */
export type PresetParameter = 'tenant' | 'domain' | 'realm'

/**
 * One provider's quirks, as data. OIDC providers are found by discovery from `issuer`; plain OAuth 2.0
 * providers (no ID token) give their endpoints in `metadata` and read the user with `profile`.
 */
export interface ProviderPreset {
  /** Issuer, possibly templated with `{tenant}`, `{domain}`, `{realm}`; a registration's `issuer` overrides it. */
  issuer: string
  /** Template values that must be given (validated at `register`). */
  parameters?: PresetParameter[]
  /** Defaults for template values. */
  defaults?: Partial<Record<PresetParameter, string>>
  /** Plain OAuth 2.0: fixed endpoints, no discovery, no ID token. */
  metadata?: Omit<AuthorizationServer, 'issuer'>
  /** The endpoints for another `issuer` than the preset's (a self-hosted instance); default `metadata`. */
  metadataFor?: (issuer: string) => Omit<AuthorizationServer, 'issuer'> | undefined
  profile?: ProfileFetcher
  /** Default client authentication when the registration does not say. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod
  responseMode?: 'query' | 'form_post'
  /**
   * Other `iss` values the provider's ID tokens may carry for this issuer. Google: "iss … always equals
   * https://accounts.google.com or accounts.google.com" — the scheme-less legacy form, and nothing else.
   */
  issuerAliases?: (issuer: string) => string[]
}

/** Known providers' settings by name (`github`, `google`, `discord`…): endpoints, default scopes, profile mapping. */
export const PRESETS = {
  /** @see https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken */
  google: {
    issuer: 'https://accounts.google.com',
    /** Google's ID tokens may name the issuer without its scheme. */
    issuerAliases: (issuer) => [issuer.replace(/^https?:\/\//, '')],
  },
  /**
   * Plain OAuth 2.0 (GitHub Apps and OAuth Apps issue no ID token). The token endpoint answers form-encoded
   * unless asked for JSON; oauth4webapi always sends `Accept: application/json`.
   * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
   */
  github: {
    issuer: 'https://github.com',
    metadata: {
      authorization_endpoint: 'https://github.com/login/oauth/authorize',
      token_endpoint: 'https://github.com/login/oauth/access_token',
    },
    /** GitHub Enterprise Server: `issuer` is the instance's origin (https://github.example.com). */
    metadataFor: (issuer: string) => issuer === 'https://github.com' ? undefined : {
      authorization_endpoint: `${issuer}/login/oauth/authorize`,
      token_endpoint: `${issuer}/login/oauth/access_token`,
    },
    /** GitHub is OAuth only: the user comes from its REST API. */
    profile: githubProfile,
    tokenEndpointAuthMethod: 'client_secret_post',
  },
  /**
   * Microsoft Entra ID, single tenant: `tenant` is the directory (tenant) id GUID, which is what the discovered
   * issuer contains. The multi-tenant `common`/`organizations`/`consumers` endpoints publish a templated issuer
   * (`{tenantid}`) that cannot be validated by equality, and are refused.
   * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
   */
  microsoft: {
    issuer: 'https://login.microsoftonline.com/{tenant}/v2.0',
    parameters: ['tenant'],
  },
  /** gitlab.com, or a self-managed instance with `domain`. @see https://docs.gitlab.com/ee/integration/openid_connect_provider.html */
  gitlab: {
    issuer: 'https://{domain}',
    defaults: { domain: 'gitlab.com' },
  },
  /**
   * Sign in with Apple: `response_mode=form_post` (the callback is a cross-site POST, so the transaction cookie
   * is `SameSite=None; Secure` and the app must be served over https), no userinfo endpoint (claims come from
   * the ID token only). The client secret is an ES256 JWT the app signs with its Apple key (at most 6 months
   * valid): pass that JWT as `clientSecret` and re-register before it expires; generating it is not done here.
   * @see https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret
   */
  apple: {
    issuer: 'https://appleid.apple.com',
    responseMode: 'form_post',
    tokenEndpointAuthMethod: 'client_secret_post',
  },
  /** Plain OAuth 2.0. @see https://discord.com/developers/docs/topics/oauth2 */
  discord: {
    issuer: 'https://discord.com',
    metadata: {
      authorization_endpoint: 'https://discord.com/oauth2/authorize',
      token_endpoint: 'https://discord.com/api/oauth2/token',
      revocation_endpoint: 'https://discord.com/api/oauth2/token/revoke',
    },
    /** Discord is OAuth only: the user comes from its REST API. */
    profile: discordProfile,
  },
  /** `domain` is the Okta org (`dev-123.okta.com`) or a custom authorization server (`dev-123.okta.com/oauth2/default`). */
  okta: {
    issuer: 'https://{domain}',
    parameters: ['domain'],
  },
  /** Auth0 issuers end with a slash. */
  auth0: {
    issuer: 'https://{domain}/',
    parameters: ['domain'],
  },
  keycloak: {
    issuer: 'https://{domain}/realms/{realm}',
    parameters: ['domain', 'realm'],
  },
  /** A Tessera authorization server: give `issuer`. */
  tessera: {
    issuer: '{issuer}',
  },
} as const satisfies Record<string, ProviderPreset>

/** The name of a provider preset. */
export type PresetName = keyof typeof PRESETS

export function isPresetName(value: string): value is PresetName {
  return Object.hasOwn(PRESETS, value)
}

export function presetOf(name: PresetName): ProviderPreset {
  return PRESETS[name]
}
