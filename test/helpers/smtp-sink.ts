import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** A message the sink received: envelope recipients, subject and the body with transfer encodings undone. */
export interface CaughtMail {
  to: string[]
  subject: string
  /** The whole message, quoted-printable decoded: links can be read with a regular expression. */
  body: string
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` for `createSmtpMailer`. */
  url: string
  readonly messages: CaughtMail[]
  /** The next message to `to` not yet returned, waiting for it up to a few seconds. */
  next(to: string): Promise<CaughtMail>
  /** Messages to `to` received so far (taken or not). */
  to(address: string): CaughtMail[]
  close(): Promise<void>
}

function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

/** An SMTP server on loopback that keeps every message in memory: the tests' mailbox. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: CaughtMail[] = []
  const taken = new Set<CaughtMail>()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const subject = /^Subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? ''
        messages.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), subject, body: decodeQuotedPrintable(raw) })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    to: (address) => messages.filter((message) => message.to.includes(address)),
    async next(to) {
      for (let attempt = 0; attempt < 200; attempt++) {
        const message = messages.find((candidate) => candidate.to.includes(to) && !taken.has(candidate))
        if (message) {
          taken.add(message)
          return message
        }
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error(`no mail to ${to} (received: ${messages.map((message) => message.to.join(',')).join('; ')})`)
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
