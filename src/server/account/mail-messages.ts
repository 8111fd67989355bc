import type { MailMessage } from '../mail/mailer.js'

/**
 * The messages the account pages send: plain text, and the same as simple HTML. Every value is escaped in
 * the HTML part; links are this server's own URLs.
 */
function escape(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

function message(to: string, subject: string, lines: readonly string[], link?: { href: string; label: string }): MailMessage {
  const text = [...lines, ...(link ? ['', `${link.label}: ${link.href}`] : [])].join('\n')
  const paragraphs = lines.map((line) => `<p>${escape(line)}</p>`).join('\n')
  const anchor = link ? `\n<p><a href="${escape(link.href)}">${escape(link.label)}</a></p>\n<p>${escape(link.href)}</p>` : ''
  return { to, subject, text: `${text}\n`, html: `<!doctype html>\n<html><body>\n${paragraphs}${anchor}\n</body></html>\n` }
}

export function passwordResetMail(to: string, product: string, href: string, minutes: number): MailMessage {
  return message(to, `Reset your ${product} password`, [
    `Someone asked to reset the password of your ${product} account. If it was you, choose a new password with the link below within ${minutes} minutes. It works once.`,
    'If it was not you, ignore this message: your password stays as it is.',
  ], { href, label: 'Choose a new password' })
}

export function passwordChangedMail(to: string, product: string): MailMessage {
  return message(to, `Your ${product} password was changed`, [
    `The password of your ${product} account was just changed, and every other session was signed out.`,
    'If you did not do this, reset your password at once and tell your administrator.',
  ])
}

export function verifyAddressMail(to: string, product: string, href: string): MailMessage {
  return message(to, `Confirm your e-mail address for ${product}`, [
    `Open the link below to confirm that this address belongs to your ${product} account. It works once.`,
    'If you did not ask for this, ignore this message.',
  ], { href, label: 'Confirm this address' })
}

export function addressChangeNoticeMail(to: string, product: string): MailMessage {
  return message(to, `Your ${product} e-mail address is being changed`, [
    `Someone signed in to your ${product} account asked to change its e-mail address away from this one. The change happens only once the new address is confirmed.`,
    'If you did not do this, change your password and tell your administrator.',
  ])
}

export function alreadyRegisteredMail(to: string, product: string, resetHref: string | undefined): MailMessage {
  return message(to, `Someone tried to register at ${product} with your address`, [
    `Someone tried to create a ${product} account with this e-mail address, which already has one. No new account was created.`,
    'If it was you and you forgot your password, reset it instead.',
  ], resetHref ? { href: resetHref, label: 'Reset your password' } : undefined)
}

export function usernameTakenMail(to: string, product: string, href: string): MailMessage {
  return message(to, `Choose another username at ${product}`, [
    `Someone tried to create a ${product} account for this address, but the username chosen is taken. No account was created; register again with another username.`,
  ], { href, label: 'Register again' })
}
