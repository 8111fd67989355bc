/**
 * The `application/x-www-form-urlencoded` parser the Fastify plugins share (Fastify has none built in):
 * the resource plugin reads tokens sent in a form body (RFC 6750 §2.2), the client plugin `form_post`
 * callbacks and back-channel logout requests. Internal: not an entry point.
 */
import type { FastifyInstance } from 'fastify'
import { formObject } from '../resource/adapter-support.js'

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded'

/** Adds the parser; repeated names become arrays, as `@fastify/formbody` and `express.urlencoded()` give them. */
export function addFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(FORM_CONTENT_TYPE, { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, formObject(body as Buffer))
  })
}

/** Adds the parser unless the app (or the other Tessera plugin) already parses forms its own way, which is kept. */
export function ensureFormParser(app: FastifyInstance): void {
  if (!app.hasContentTypeParser(FORM_CONTENT_TYPE)) addFormParser(app)
}
