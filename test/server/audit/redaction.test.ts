import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { LOG_OPTIONS } from '../../../src/server/audit/redaction.js'

function logged(object: Record<string, unknown>): Record<string, unknown> {
  const lines: string[] = []
  pino({ ...LOG_OPTIONS }, { write: (text: string) => void lines.push(text) }).info(object, 'line')
  return JSON.parse(lines[0] ?? '{}') as Record<string, unknown>
}

describe('LOG_OPTIONS', () => {
  it('censors credentials at the top level, one level down and in logged request and response headers', () => {
    const line = logged({
      password: 'hunter2',
      'set-cookie': 'a=b',
      form: { client_secret: 's3cret', code_verifier: 'v', grant_type: 'authorization_code' },
      body: { refresh_token: 'rt', 'set-cookie': 'c=d' },
      req: { headers: { authorization: 'Bearer abc', cookie: 'x=y', accept: 'application/json' } },
      response: { headers: { 'set-cookie': 'e=f', 'proxy-authorization': 'Basic z' } },
    })
    expect(line).toMatchObject({
      password: '[redacted]',
      'set-cookie': '[redacted]',
      form: { client_secret: '[redacted]', code_verifier: '[redacted]', grant_type: 'authorization_code' },
      body: { refresh_token: '[redacted]', 'set-cookie': '[redacted]' },
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' } },
      response: { headers: { 'set-cookie': '[redacted]', 'proxy-authorization': '[redacted]' } },
    })
  })

  it('leaves the caller’s objects, arrays and ordinary fields alone', () => {
    const form = { token: 't', scope: 'read' }
    const object = { form, scopes: ['token', 'password'], event: 'token.issued', jti: 'abc' }
    expect(logged(object)).toMatchObject({ form: { token: '[redacted]', scope: 'read' }, scopes: ['token', 'password'], event: 'token.issued', jti: 'abc' })
    expect(form.token).toBe('t')
    expect(object.form).toBe(form)
  })

  it('keeps errors whole for pino’s serializer', () => {
    const line = logged({ err: new Error('storage down') })
    expect(line.err).toMatchObject({ type: 'Error', message: 'storage down' })
  })
})
