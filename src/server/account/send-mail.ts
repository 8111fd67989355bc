import type { ServerContext } from '../context.js'
import type { MailMessage } from '../mail/mailer.js'
import type { AccountSettings } from './options.js'

/**
 * Sends without making the answer wait: whether a message goes out (and how long SMTP takes) must not show
 * in the response (catalogue AC-02). A failure is logged for the operator, without the message's links.
 */
export function sendLater(ctx: ServerContext, settings: AccountSettings, message: MailMessage | Promise<MailMessage | undefined>): void {
  const { mailer } = settings
  if (!mailer) return
  void Promise.resolve(message)
    .then((ready) => (ready ? mailer.send(ready) : undefined))
    .catch((error: unknown) => ctx.config.logger?.error({ event: 'mail.failed', error: error instanceof Error ? error.message : String(error) }, 'account mail could not be sent'))
}

/** A syntactically plausible address (one `@`, no spaces or angle brackets), at most 254 characters (RFC 5321 §4.5.3.1.3). */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+$/.test(value)
}

export function normalizeEmail(value: string): string {
  return value.trim().toLowerCase()
}

/**
 * Whether one more public-form mail may go to `address` now (at most `mailLimit.max` an hour). Checked after
 * the answer, so a refusal looks like any other request; the operator sees it in the log.
 */
export async function mayMail(ctx: ServerContext, settings: AccountSettings, address: string): Promise<boolean> {
  const { counters, max, windowSeconds } = settings.mailLimit
  const { count } = await counters.increment(`account-mail:${address}`, windowSeconds, ctx.config.now())
  if (count <= max) return true
  ctx.config.logger?.warn({ event: 'account.mail_limited', count }, 'account mail not sent: too many to one address within the hour')
  return false
}
