import type { MailMessage } from '../mail/mailer.js'
import type { Translator } from '../pages.js'

/**
 * The messages the account pages send, in the language of the page that caused them: plain text, and the
 * same as simple HTML. Every value is escaped in the HTML part; links are this server's own URLs.
 */
function escape(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

function message(t: Translator, to: string, subject: string, lines: readonly string[], link?: { href: string; label: string }): MailMessage {
  const text = [...lines, ...(link ? ['', `${link.label}: ${link.href}`] : [])].join('\n')
  const paragraphs = lines.map((line) => `<p>${escape(line)}</p>`).join('\n')
  const anchor = link ? `\n<p><a href="${escape(link.href)}">${escape(link.label)}</a></p>\n<p>${escape(link.href)}</p>` : ''
  return { to, subject, text: `${text}\n`, html: `<!doctype html>\n<html lang="${escape(t.locale)}"><body>\n${paragraphs}${anchor}\n</body></html>\n` }
}

export function passwordResetMail(t: Translator, to: string, product: string, href: string, minutes: number): MailMessage {
  return message(t, to, t.text('mail.reset.subject', { product }), [
    t.text('mail.reset.body', { product, minutes }),
    t.text('mail.reset.ignore'),
  ], { href, label: t.text('mail.reset.link') })
}

export function passwordChangedMail(t: Translator, to: string, product: string): MailMessage {
  return message(t, to, t.text('mail.changed.subject', { product }), [
    t.text('mail.changed.body', { product }),
    t.text('mail.changed.warning'),
  ])
}

export function verifyAddressMail(t: Translator, to: string, product: string, href: string): MailMessage {
  return message(t, to, t.text('mail.verify.subject', { product }), [
    t.text('mail.verify.body', { product }),
    t.text('mail.verify.ignore'),
  ], { href, label: t.text('mail.verify.link') })
}

export function addressChangeNoticeMail(t: Translator, to: string, product: string): MailMessage {
  return message(t, to, t.text('mail.addressChange.subject', { product }), [
    t.text('mail.addressChange.body', { product }),
    t.text('mail.addressChange.warning'),
  ])
}

export function alreadyRegisteredMail(t: Translator, to: string, product: string, resetHref: string | undefined): MailMessage {
  return message(t, to, t.text('mail.registered.subject', { product }), [
    t.text('mail.registered.body', { product }),
    t.text('mail.registered.hint'),
  ], resetHref ? { href: resetHref, label: t.text('mail.registered.link') } : undefined)
}

export function usernameTakenMail(t: Translator, to: string, product: string, href: string): MailMessage {
  return message(t, to, t.text('mail.usernameTaken.subject', { product }), [
    t.text('mail.usernameTaken.body', { product }),
  ], { href, label: t.text('mail.usernameTaken.link') })
}
