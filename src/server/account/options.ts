import { ConfigError } from '../config.js'
import { createSmtpMailer, type Mailer, type SmtpSettings } from '../mail/mailer.js'
import { createMemoryCounterStore, type CounterStore } from '../abuse/counter.js'

/** Options of `accountSelfService`. */
export interface AccountOptions {
  /**
   * How mail leaves: SMTP settings (nodemailer) or any `Mailer`. Without it there is no password reset,
   * no self-registration and no e-mail change (each needs a mailed link), and the login page offers none.
   */
  mail?: SmtpSettings | Mailer
  /** Anyone may create an account at `/account/register` (off by default; needs `mail`). */
  registration?: boolean
  /** Seconds a password-reset link stays valid: default 1800 (30 minutes), at most 3600 (ASVS 6.4.3). */
  resetLinkLifetime?: number
  /** Seconds an address-verification link stays valid: default 86400 (a day). */
  verificationLinkLifetime?: number
}

/** `AccountOptions` checked once, at construction. */
export interface AccountSettings {
  readonly mailer: Mailer | undefined
  readonly registration: boolean
  readonly resetLinkLifetime: number
  readonly verificationLinkLifetime: number
  /**
   * Mails per address within a window (reset links, registration notices), so nobody can flood someone's
   * inbox through the public forms. Per instance: a flood is bounded by instances × the limit.
   */
  readonly mailLimit: { readonly counters: CounterStore; readonly max: number; readonly windowSeconds: number }
}

export function resolveAccountOptions(options: AccountOptions): AccountSettings {
  const { mail } = options
  let mailer: Mailer | undefined
  if (mail !== undefined) {
    if ('send' in mail && typeof mail.send === 'function') mailer = mail
    else {
      const smtp = mail as SmtpSettings
      if (typeof smtp.url !== 'string' || typeof smtp.from !== 'string' || smtp.from === '') throw new ConfigError('mail', 'must have url (smtp:// or smtps://) and from')
      try {
        mailer = createSmtpMailer(smtp)
      } catch (error) {
        throw new ConfigError('mail.url', `${(error as Error).message.replace(/^mail\.url /, '')}`)
      }
    }
  }
  const registration = options.registration ?? false
  if (typeof registration !== 'boolean') throw new ConfigError('account.registration', 'must be a boolean')
  if (registration && !mailer) throw new ConfigError('account.registration', 'needs mail: new accounts confirm their address by a mailed link')
  const resetLinkLifetime = options.resetLinkLifetime ?? 1800
  if (!Number.isInteger(resetLinkLifetime) || resetLinkLifetime <= 0 || resetLinkLifetime > 3600) {
    throw new ConfigError('account.resetLinkLifetime', 'must be an integer from 1 to 3600 seconds (a reset link lives at most an hour)')
  }
  const verificationLinkLifetime = options.verificationLinkLifetime ?? 86400
  if (!Number.isInteger(verificationLinkLifetime) || verificationLinkLifetime <= 0 || verificationLinkLifetime > 7 * 86400) {
    throw new ConfigError('account.verificationLinkLifetime', 'must be an integer from 1 to 604800 seconds')
  }
  return { mailer, registration, resetLinkLifetime, verificationLinkLifetime, mailLimit: { counters: createMemoryCounterStore(10_000), max: 5, windowSeconds: 3600 } }
}
