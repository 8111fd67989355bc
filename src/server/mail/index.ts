export { createSmtpMailer, type MailMessage, type Mailer, type SmtpSettings } from './mailer.js'
