import { importOptional, OPTIONAL_MODULES } from '../../crypto/optional-module.js'

/** One message: plain text for every mail client, and a simple HTML part. */
export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

/**
 * Sends mail for the server (password reset, address verification, notices). Anything with a `send` fits
 * (a queue, a provider's API); `createSmtpMailer` is the one Tessera brings.
 *
 * @example const mailer: Mailer = { send: async (message) => queue.push(message) }
 */
export interface Mailer {
  /** Hands one message over for delivery; rejects if it could not be (the caller logs it, the user's answer does not wait). */
  send(message: MailMessage): Promise<void>
}

/** `mail` in the configuration: an SMTP URL and the sender. */
export interface SmtpSettings {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://host:465`. */
  url: string
  /** The `From` of every message: `Tessera <no-reply@example.com>`. */
  from: string
}

/**
 * A `Mailer` over SMTP with nodemailer, an optional peer loaded on first use (`npm install nodemailer@10`).
 *
 * @example const mailer = createSmtpMailer({ url: 'smtp://localhost:2525', from: 'Tessera <no-reply@example.com>' })
 * @see https://nodemailer.com/smtp/
 */
export function createSmtpMailer(settings: SmtpSettings): Mailer {
  const url = new URL(settings.url)
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new TypeError('mail.url must be an smtp:// or smtps:// URL')
  let transport: Promise<{ sendMail(options: Record<string, unknown>): Promise<unknown> }> | undefined
  return {
    async send(message) {
      transport ??= importOptional('sending mail', OPTIONAL_MODULES.nodemailer).then((nodemailer) => nodemailer.createTransport(settings.url))
      await (await transport).sendMail({ from: settings.from, to: message.to, subject: message.subject, text: message.text, html: message.html })
    },
  }
}
