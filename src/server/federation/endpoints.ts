import { isClientError } from '../../client/broker.js'
import { safeEqual, sha256 } from '../../crypto/random.js'
import { isUnusablePasswordHash } from '../../crypto/passwords.js'
import { OAuthError, type OAuthErrorCode } from '../../errors.js'
import { formParameters } from '../../http/form.js'
import { OutboundRequestError } from '../../http/guarded-fetch.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { federatedIdentities } from '../../storage/kinds/federated-identities.js'
import { passkeyCredentials } from '../../storage/kinds/passkeys.js'
import { StorageConflictError, type ClientRecord, type InteractionRecord, type UserRecord } from '../../storage/types.js'
import type { LoginChoice, ServerContext } from '../context.js'
import { continueAfterLogin } from '../endpoints/interaction.js'
import { findClient } from '../find-client.js'
import { ENGLISH } from '../../ui/index.js'
import { errorPage, languageOf, type MessageKey, type Translator } from '../pages.js'
import { browserBinding, type CurrentSession, checkCsrfToken, checkSessionCsrfToken, currentSession, isSameOrigin, readBrowserBinding } from '../session.js'
import type { ResolvedFederation, ResolvedUpstream } from './options.js'
import { provisionUser } from './provision.js'
import { clientUpstreams, UPSTREAM_LOGIN, type UpstreamLogin } from './records.js'
import { createUpstreams, type Upstreams } from './upstreams.js'

/** The purpose of the session CSRF token that link and unlink forms carry. */
export const LINK_CSRF_PURPOSE = 'federation'

/** The account page's token purpose (src/server/account/page.ts), which the forms of its section carry. */
const ACCOUNT_CSRF_PURPOSE = 'account'

/** How long the login page waits for an upstream's discovery (cached once it succeeded). */
const DISCOVERY_WAIT_MS = 2000

/** The value, or undefined when the promise fails or takes longer than `ms`. */
async function withinMs<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise.catch(() => undefined), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A pending upstream sign-in lives as long as a pending login at the relying party (10 minutes). */
const LOGIN_TTL = 600

const EXPIRED = new OAuthError('invalid_request', 'This sign-in has expired or was already used. Go back to the application and try again.')
const NOT_VERIFIED = new OAuthError('invalid_request', 'The form could not be verified. Go back and try again.', { status: 403 })

/**
 * The error page in the request's language for a catalogue text with values (the provider's label): the
 * page shows it translated, the error keeps the English text for logs.
 */
function localizedError(ctx: ServerContext, request: OAuthRequest, code: OAuthErrorCode, status: number, key: MessageKey, values: Record<string, string | number>): OAuthResponse {
  const t = languageOf(ctx, request.headers)
  return errorPage(ctx, new OAuthError(code, ENGLISH.text(key, values), { status }), t, t.text(key, values))
}

/** The handlers of one federation capability, sharing its upstreams (one broker per server configuration). */
export function federationHandlers(federation: ResolvedFederation) {
  const brokers = new WeakMap<object, Upstreams>()
  function upstreamsOf(ctx: ServerContext): Upstreams {
    let upstreams = brokers.get(ctx.config)
    if (!upstreams) {
      upstreams = createUpstreams(federation, ctx.config.outbound, (message) => ctx.config.logger?.warn({ event: 'federation.insecure_option' }, message))
      brokers.set(ctx.config, upstreams)
    }
    return upstreams
  }

  const callbackUri = (ctx: ServerContext, id: string): string => `${ctx.urls.federation ?? `${ctx.config.issuer}/federation`}/${id}/callback`

  /** The upstreams this client's login page offers: its allow-list, else every configured one. */
  async function allowedFor(ctx: ServerContext, client: ClientRecord): Promise<ResolvedUpstream[]> {
    const list = await clientUpstreams(ctx.config.store.records, client.client_id, ctx.config.now())
    return [...federation.upstreams.values()].filter((upstream) => list === undefined || list.includes(upstream.id))
  }

  /** Sends the browser to the upstream, with the pending sign-in stored under its `state`. */
  async function redirectToUpstream(ctx: ServerContext, upstream: ResolvedUpstream, pending: Omit<UpstreamLogin, 'login' | 'upstream'>, cookies: (string | undefined)[] = []): Promise<OAuthResponse> {
    const { url, login } = await upstreamsOf(ctx).begin(upstream.id, callbackUri(ctx, upstream.id))
    const now = ctx.config.now()
    await ctx.config.store.records.put(UPSTREAM_LOGIN, { key: sha256(login.state), value: { ...pending, upstream: upstream.id, login }, expiresAt: now + LOGIN_TTL, subject: pending.user_id })
    const response = redirectResponse(url)
    for (const cookie of cookies) if (cookie) response.headers.append('Set-Cookie', cookie)
    return response
  }

  /** Any failure talking to an upstream becomes the error page; the detail goes to the operator only. */
  async function guarded(ctx: ServerContext, request: OAuthRequest, id: string, run: () => Promise<OAuthResponse>): Promise<OAuthResponse> {
    try {
      return await run()
    } catch (error) {
      if (error instanceof OAuthError) return errorPage(ctx, error, languageOf(ctx, request.headers))
      const upstream = federation.upstreams.get(id)
      if (isClientError(error) || error instanceof OutboundRequestError) {
        const reason = isClientError(error) ? error.code : 'provider_unreachable'
        ctx.config.logger?.warn({ event: 'federation.failed', upstream: id, reason, detail: isClientError(error) ? (error.detail ?? null) : error.message }, 'upstream sign-in failed')
        void ctx.audit.record({ type: 'federation.failed', upstream: id, reason })
        // Never the upstream's own error text (catalogue FD-04: it is attacker-controlled): a fixed sentence.
        const cancelled = isClientError(error) && error.code === 'access_denied'
        const provider = upstream?.label ?? id
        return cancelled
          ? localizedError(ctx, request, 'access_denied', 400, 'error.federationCancelled', { provider })
          : localizedError(ctx, request, 'access_denied', 502, 'error.federationFailed', { provider })
      }
      throw error
    }
  }

  /** The pending interaction of this browser, only while it waits for a login. */
  async function pendingInteraction(ctx: ServerContext, request: OAuthRequest, id: string | undefined): Promise<{ interaction: InteractionRecord; client: ClientRecord } | undefined> {
    if (id === undefined) return undefined
    const interaction = await ctx.config.store.interactions.get(id, ctx.config.now())
    const binding = readBrowserBinding(ctx, request.headers)
    if (!interaction || interaction.user_id !== null || !binding || !safeEqual(sha256(binding), interaction.browser_binding_hash)) return undefined
    const { client_id: clientId } = JSON.parse(interaction.request) as { client_id: string }
    const client = await findClient(ctx, clientId)
    return client ? { interaction, client } : undefined
  }

  async function startLogin(ctx: ServerContext, upstream: ResolvedUpstream, interaction: InteractionRecord): Promise<OAuthResponse> {
    return redirectToUpstream(ctx, upstream, {
      purpose: 'login', browser_binding_hash: interaction.browser_binding_hash, interaction_id: interaction.id,
      session_id_hash: null, user_id: null, return_to: null,
    })
  }

  /** POST /federation/{id}/login: "Continue with …" on the login page. */
  async function login(ctx: ServerContext, request: OAuthRequest, [id = '']: readonly string[]): Promise<OAuthResponse> {
    return guarded(ctx, request, id, async () => {
      const params = formParameters(request)
      const pending = await pendingInteraction(ctx, request, params.get('interaction'))
      if (!pending) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
      if (!isSameOrigin(ctx, request.headers) || !checkCsrfToken(pending.interaction.csrf_token, params.get('csrf_token'))) return errorPage(ctx, NOT_VERIFIED, languageOf(ctx, request.headers))
      const upstream = (await allowedFor(ctx, pending.client)).find((candidate) => candidate.id === id)
      if (!upstream) return errorPage(ctx, new OAuthError('invalid_request', 'This way of signing in is not available for this application.'), languageOf(ctx, request.headers))
      return startLogin(ctx, upstream, pending.interaction)
    })
  }

  /** GET (or form_post POST) /federation/{id}/callback: the upstream's authorization response. */
  async function callback(ctx: ServerContext, request: OAuthRequest, [id = '']: readonly string[]): Promise<OAuthResponse> {
    return guarded(ctx, request, id, async () => {
      const upstream = federation.upstreams.get(id)
      if (!upstream) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
      const params = request.method === 'POST' ? new URLSearchParams(formParameters(request).toRecord()) : new URL(request.url).searchParams
      const state = params.get('state')
      // Every check of the transaction precedes any request to the upstream (catalogue FD-04).
      if (!state) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
      const key = sha256(state)
      const now = ctx.config.now()
      const pending = (await ctx.config.store.records.get(UPSTREAM_LOGIN, key, now))?.value
      const binding = readBrowserBinding(ctx, request.headers)
      // FD-05: only at the callback of the upstream the sign-in was started with; FD-04: only in its browser.
      if (!pending || pending.upstream !== id || !binding || !safeEqual(sha256(binding), pending.browser_binding_hash)) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
      const taken = await ctx.config.store.records.consume(UPSTREAM_LOGIN, key, now)
      if (taken.status !== 'consumed') return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
      const upstreams = upstreamsOf(ctx)
      const user = await upstreams.complete(id, pending.login, params)
      const issuer = upstreams.issuer(id)
      return pending.purpose === 'link' ? finishLink(ctx, request, upstream, pending, issuer, user.sub) : finishLogin(ctx, request, upstream, pending, issuer, user)
    })
  }

  async function finishLogin(ctx: ServerContext, request: OAuthRequest, upstream: ResolvedUpstream, pending: UpstreamLogin, issuer: string, upstreamUser: Parameters<typeof provisionUser>[1]): Promise<OAuthResponse> {
    const store = ctx.config.store
    const now = ctx.config.now()
    const identity = await federatedIdentities(store.records).find(issuer, upstreamUser.sub, now)
    let user = identity ? await store.users.get(identity.user_id) : undefined
    if (!user) {
      if (!federation.provisioning) {
        return localizedError(ctx, request, 'access_denied', 403, 'error.federationNotLinked', { provider: upstream.label })
      }
      user = await provisionUser(store, upstreamUser, upstream, issuer, now).catch((error: unknown) => {
        if (error instanceof StorageConflictError) throw new OAuthError('temporarily_unavailable', 'Your account is being created. Try again in a moment.', { status: 503 })
        throw error
      })
      void ctx.audit.record({ type: 'federation.provisioned', user_id: user.id, username: user.username, upstream: upstream.id })
    }
    const reported = upstreamMethods(upstream, upstreamUser.claims)
    void ctx.audit.record({ type: 'federation.login', user_id: user.id, upstream: upstream.id, upstream_methods: reported.join(' ') })
    // The session starts there, after the local second factor when the user has one or policy wants it
    // (unless a trusted upstream reported two factors: then `mfa` meets the policy).
    return continueAfterLogin(ctx, request, pending.interaction_id ?? '', user, ['fed', ...reported])
  }

  async function finishLink(ctx: ServerContext, request: OAuthRequest, upstream: ResolvedUpstream, pending: UpstreamLogin, issuer: string, subject: string): Promise<OAuthResponse> {
    const session = await currentSession(ctx, request.headers)
    // FD-03: the link completes only in the session, and for the user, that asked for it.
    if (!session || session.record.id_hash !== pending.session_id_hash || session.user.id !== pending.user_id) return errorPage(ctx, EXPIRED, languageOf(ctx, request.headers))
    const identities = federatedIdentities(ctx.config.store.records)
    const now = ctx.config.now()
    const existing = await identities.find(issuer, subject, now)
    if (existing && existing.user_id !== session.user.id) {
      return localizedError(ctx, request, 'access_denied', 409, 'error.federationLinkedElsewhere', { provider: upstream.label })
    }
    if (!existing) {
      try {
        await identities.add({ issuer, subject, upstream: upstream.id, user_id: session.user.id, linked_at: now, origin: 'linked' })
      } catch (error) {
        if (error instanceof StorageConflictError) return localizedError(ctx, request, 'access_denied', 409, 'error.federationLinkedElsewhere', { provider: upstream.label })
        throw error
      }
      void ctx.audit.record({ type: 'federation.linked', user_id: session.user.id, upstream: upstream.id })
    }
    const response = redirectResponse(pending.return_to ?? '/')
    if (session.renewedCookie) response.headers.append('Set-Cookie', session.renewedCookie)
    return response
  }

  /** The signed-in session of a link or unlink form, with its CSRF token and origin checked (FD-03 (c)). */
  async function formSession(ctx: ServerContext, request: OAuthRequest): Promise<{ error: OAuthResponse } | { session: CurrentSession; returnTo: string | null }> {
    const params = formParameters(request)
    const session = await currentSession(ctx, request.headers)
    if (!session) return { error: errorPage(ctx, new OAuthError('access_denied', 'Sign in first.', { status: 403 }), languageOf(ctx, request.headers)) }
    // The account page's own token too: its "Connected accounts" section posts here (src/server/federation/account-section.ts).
    const token = params.get('csrf_token')
    const verified = checkSessionCsrfToken(ctx, session.record.id_hash, LINK_CSRF_PURPOSE, token) || checkSessionCsrfToken(ctx, session.record.id_hash, ACCOUNT_CSRF_PURPOSE, token)
    if (!isSameOrigin(ctx, request.headers) || !verified) return { error: errorPage(ctx, NOT_VERIFIED, languageOf(ctx, request.headers)) }
    return { session, returnTo: localPath(params.get('return_to')) }
  }

  /** POST /federation/{id}/link: the signed-in user links an upstream identity to their account. */
  async function link(ctx: ServerContext, request: OAuthRequest, [id = '']: readonly string[]): Promise<OAuthResponse> {
    return guarded(ctx, request, id, async () => {
      const form = await formSession(ctx, request)
      if ('error' in form) return form.error
      const upstream = federation.upstreams.get(id)
      if (!upstream) return errorPage(ctx, new OAuthError('invalid_request', 'Unknown identity provider.', { status: 404 }), languageOf(ctx, request.headers))
      // FD-03 (a): only right after proving control of the account by signing in to it.
      if (ctx.config.now() - form.session.record.auth_time > federation.linkMaxAge) {
        return localizedError(ctx, request, 'access_denied', 403, 'error.federationSignInAgain', { provider: upstream.label, minutes: Math.ceil(federation.linkMaxAge / 60) })
      }
      const binding = browserBinding(ctx, request.headers)
      return redirectToUpstream(ctx, upstream, {
        purpose: 'link', browser_binding_hash: sha256(binding.value), interaction_id: null,
        session_id_hash: form.session.record.id_hash, user_id: form.session.user.id, return_to: form.returnTo,
      }, [binding.cookie])
    })
  }

  /** POST /federation/{id}/unlink: the signed-in user removes the upstream's identities from their account. */
  async function unlink(ctx: ServerContext, request: OAuthRequest, [id = '']: readonly string[]): Promise<OAuthResponse> {
    const form = await formSession(ctx, request)
    if ('error' in form) return form.error
    const identities = federatedIdentities(ctx.config.store.records)
    const gone = (await identities.listByUser(form.session.user.id)).filter((identity) => identity.upstream === id)
    if (gone.length > 0 && !(await otherWayToSignIn(ctx, federation, form.session.user, id))) {
      return errorPage(ctx, new OAuthError('invalid_request', 'This is the only way to sign in to your account, so it cannot be removed.', { status: 409 }), languageOf(ctx, request.headers))
    }
    for (const identity of gone) await identities.remove(identity.issuer, identity.subject)
    if (gone.length > 0) void ctx.audit.record({ type: 'federation.unlinked', user_id: form.session.user.id, upstream: id })
    return redirectResponse(form.returnTo ?? '/')
  }

  return {
    login,
    callback,
    link,
    unlink,
    async choices(ctx: ServerContext, client: ClientRecord, interaction: InteractionRecord, language?: Translator): Promise<LoginChoice[]> {
      const action = (id: string): string => `${ctx.urls.federation ?? `${ctx.config.issuer}/federation`}/${id}/login`
      const upstreams = upstreamsOf(ctx)
      return Promise.all((await allowedFor(ctx, client)).map(async (upstream) => {
        // An upstream that cannot be discovered now still gets its button (pressing it shows why it fails),
        // and a slow one does not hold the login page up for long.
        const origin = await withinMs(DISCOVERY_WAIT_MS, upstreams.authorizationOrigin(upstream.id))
        return { label: (language ?? languageOf(ctx, undefined)).text('login.continueWith', { provider: upstream.label }), action: action(upstream.id), hidden: { interaction: interaction.id }, ...(origin ? { formActions: [origin] } : {}) }
      }))
    },
    async hinted(ctx: ServerContext, request: OAuthRequest, client: ClientRecord, interaction: InteractionRecord, hint: string): Promise<OAuthResponse | undefined> {
      const upstream = (await allowedFor(ctx, client)).find((candidate) => candidate.id === hint)
      return upstream ? guarded(ctx, request, upstream.id, () => startLogin(ctx, upstream, interaction)) : undefined
    },
  }
}

/**
 * Whether the user can still sign in without `upstream`'s identities: a password, a passkey, or an identity
 * at another upstream that is still configured (one whose upstream was removed signs nobody in).
 */
export async function otherWayToSignIn(ctx: ServerContext, federation: ResolvedFederation, user: UserRecord, upstream: string): Promise<boolean> {
  if (!isUnusablePasswordHash(user.password_hash)) return true
  const records = ctx.config.store.records
  if ((await federatedIdentities(records).listByUser(user.id)).some((identity) => identity.upstream !== upstream && federation.upstreams.has(identity.upstream))) return true
  return (await passkeyCredentials(records).listByUser(user.id)).length > 0
}

/** RFC 8176 §2 methods that are a second factor beside the upstream sign-in itself. */
const SECOND_FACTOR_METHODS = new Set(['otp', 'hwk', 'swk'])

/**
 * What Tessera takes from the upstream's report of the sign-in into its own `amr`: nothing unless the
 * operator trusts this upstream for it (`trustUpstreamAmr`); then its second-factor methods, and `mfa` when
 * it said `mfa` or its `acr` is one of `mfaAcrValues`. Anything else it says (`pwd`, unknown values) adds
 * nothing: `fed` already stands for the upstream sign-in.
 */
export function upstreamMethods(upstream: ResolvedUpstream, claims: Record<string, unknown>): string[] {
  if (!upstream.trustAmr) return []
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((value): value is string => typeof value === 'string') : []
  const methods = amr.filter((method) => SECOND_FACTOR_METHODS.has(method))
  const mfa = amr.includes('mfa') || (typeof claims.acr === 'string' && upstream.mfaAcrValues.includes(claims.acr))
  return [...new Set(methods), ...(mfa ? ['mfa'] : [])]
}

/** A path on this server (`/account`), never another origin (`//evil.example`, `/\evil.example`). */
function localPath(value: string | undefined): string | null {
  return value !== undefined && /^\/(?![/\\])[\x21-\x7E]{0,512}$/.test(value) ? value : null
}
