import { redirectResponse } from '../../http/response.js'
import type { OAuthResponse } from '../../http/types.js'
import type { ClientRecord, InteractionRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { htmlResponse, type Translator } from '../pages.js'
import { hasPasskey } from './passkey-factor.js'
import { enrolmentFor, hasSecondFactor } from './totp-credential.js'
import { PENDING_SECOND_FACTOR, type PendingSecondFactor } from './records.js'

/** What the second step needs of a pending interaction (the login endpoints' `Loaded`). */
export interface SecondStepInteraction {
  interaction: InteractionRecord
  client: ClientRecord
  /** The pages' language (the interaction's `ui_locales`, else `Accept-Language`). */
  language?: Translator
}

/**
 * Records that the interaction's first factor passed (or that a live session must step up) and sends the
 * browser to the code page. The interaction itself stays without a user, so nothing can be issued from it
 * until the second step completes.
 */
export async function beginSecondStep(ctx: ServerContext, loaded: SecondStepInteraction, pending: PendingSecondFactor, cookies: (string | undefined)[] = []): Promise<OAuthResponse> {
  const { interaction } = loaded
  await ctx.config.store.records.put(PENDING_SECOND_FACTOR, { key: interaction.id, value: pending, expiresAt: interaction.expires_at, subject: pending.user_id }, { replace: true })
  const response = redirectResponse(`${ctx.urls.interaction}/${interaction.id}`)
  for (const cookie of cookies) if (cookie) response.headers.append('Set-Cookie', cookie)
  return response
}

/** The second step the interaction waits for, if any. */
export async function pendingSecondStep(ctx: ServerContext, interactionId: string): Promise<PendingSecondFactor | undefined> {
  return (await ctx.config.store.records.get(PENDING_SECOND_FACTOR, interactionId, ctx.config.now()))?.value
}

/** Ends the pending step once it succeeded. */
export async function clearSecondStep(ctx: ServerContext, interactionId: string): Promise<void> {
  await ctx.config.store.records.delete(PENDING_SECOND_FACTOR, interactionId)
}

/** The code page (with the key to enrol when the user has none), posting to `/interaction/{id}/second-factor`. */
export async function secondStepPage(ctx: ServerContext, loaded: SecondStepInteraction, pending: PendingSecondFactor, status: number, error?: string): Promise<OAuthResponse> {
  const user = pending.enrol ? await ctx.config.store.users.get(pending.user_id) : undefined
  const enrolment = user ? await enrolmentFor(ctx, user) : undefined
  const passkey = !pending.enrol && (await hasPasskey(ctx, pending.user_id))
    ? { action: `${ctx.urls.passkeys ?? ''}/sign-in/${loaded.interaction.id}`, ...((await hasSecondFactor(ctx, pending.user_id)) ? {} : { only: true }) }
    : undefined
  return htmlResponse(ctx, status, (pages, nonce, env) =>
    pages.secondFactor(
      {
        action: `${ctx.urls.interaction}/${loaded.interaction.id}/second-factor`,
        hidden: {},
        csrfToken: loaded.interaction.csrf_token,
        clientName: loaded.client.client_name,
        ...(enrolment ? { enrolment } : {}),
        ...(passkey ? { passkey } : {}),
        ...(error !== undefined ? { error } : {}),
      },
      nonce,
      env,
    ),
    // The code POST may redirect straight to the client, which Chromium checks against form-action.
    { formActions: redirectOrigins((JSON.parse(loaded.interaction.request) as { redirect_uri?: string }).redirect_uri), language: loaded.language },
  )
}

function redirectOrigins(uri: string | undefined): string[] {
  try {
    const url = new URL(uri ?? '')
    return url.protocol === 'http:' || url.protocol === 'https:' ? [url.origin] : []
  } catch {
    return []
  }
}
