import type { ProviderRegistration } from 'tessera-oidc/client'

/** Everything the tutorial app needs; `tutorialConfigFromEnv` reads it from the environment. */
export interface TutorialConfig {
  /** Where browsers reach the app; the callback is `<appUrl>/authorize`. https, or http on loopback only. */
  appUrl: string
  /** The one "Log in with …" provider: the local Tessera, or Google. */
  provider: ProviderRegistration
  /** Tessera's demo notes API (`<issuer>/api/notes`); absent for providers without it. */
  notesUrl?: string
  /** At least 32 characters: signs the session cookie and encrypts the stored tokens. */
  secret: string
}

export const isLoopback = (url: URL): boolean => /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname)

/** The tutorial's first piece of advice, "use HTTPS", made a rule: plain http only on this machine. */
export function requireHttps(name: string, value: string): URL {
  const url = new URL(value)
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url))) return url
  throw new Error(`${name} must be an https URL (http is accepted only for localhost): ${value}`)
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]
  if (!value) throw new Error(`Set ${name}`)
  return value
}

/**
 * Reads the configuration from the environment. `OAUTH_PROVIDER` is `tessera` (default: the local server at
 * `TESSERA_ISSUER`, http://localhost:4000, with `TESSERA_CLIENT_ID`/`TESSERA_CLIENT_SECRET`) or `google`
 * (`GOOGLE_CLIENT_ID`/`GOOGLE_CLIENT_SECRET`, endpoints from Google's discovery document).
 */
export function tutorialConfigFromEnv(env: NodeJS.ProcessEnv, secret: string): TutorialConfig {
  const appUrl = env.APP_URL ?? `http://localhost:${env.APP_PORT ?? 3000}`
  const provider = env.OAUTH_PROVIDER ?? 'tessera'
  if (provider === 'google') {
    return {
      appUrl,
      secret,
      provider: {
        name: 'google',
        preset: 'google',
        clientId: required(env, 'GOOGLE_CLIENT_ID'),
        clientSecret: required(env, 'GOOGLE_CLIENT_SECRET'),
        scope: 'openid email profile',
        // Google issues a refresh token only for offline access, and again only after a new consent.
        authorizationParams: { access_type: 'offline', prompt: 'consent' },
      },
    }
  }
  if (provider !== 'tessera') throw new Error(`OAUTH_PROVIDER must be tessera or google, not ${provider}`)
  const issuer = env.TESSERA_ISSUER ?? 'http://localhost:4000'
  return {
    appUrl,
    secret,
    notesUrl: `${issuer}/api/notes`,
    provider: {
      name: 'tessera',
      preset: 'tessera',
      issuer,
      clientId: env.TESSERA_CLIENT_ID ?? 'demo-app',
      clientSecret: required(env, 'TESSERA_CLIENT_SECRET'),
      // Least privilege: read-only notes; offline_access for the refresh token.
      scope: 'openid profile email offline_access notes:read',
      allowInsecureLoopback: requireHttps('TESSERA_ISSUER', issuer).protocol === 'http:',
    },
  }
}
