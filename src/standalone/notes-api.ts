import { randomUUID } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { protectedResourceMetadata, requireAuth, type ResourceAuthEnv } from '../adapters/hono-resource.js'
import type { ResourceServer } from '../resource/create-resource-server.js'
import type { NoteStore } from './notes/types.js'

const MAX_TITLE = 200
const MAX_BODY = 10_000

type NoteInput = { title?: string; body?: string }

function invalid(c: Context, description: string): Response {
  return c.json({ error: 'invalid_request', error_description: description }, 400)
}

/** Parses and bounds a JSON note; `partial` for PATCH. Returns an error message or the fields. */
async function readNote(c: Context, partial: boolean): Promise<NoteInput | string> {
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) return 'Content-Type must be application/json'
  let value: unknown
  try {
    value = await c.req.json()
  } catch {
    return 'The body is not valid JSON'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'The body must be a JSON object'
  const { title, body } = value as Record<string, unknown>
  if (title !== undefined && (typeof title !== 'string' || title.trim() === '' || title.length > MAX_TITLE)) return `title must be 1-${MAX_TITLE} characters`
  if (body !== undefined && (typeof body !== 'string' || body.length > MAX_BODY)) return `body must be at most ${MAX_BODY} characters`
  if (!partial && title === undefined) return 'title is required'
  return { ...(title !== undefined ? { title: title as string } : {}), ...(body !== undefined ? { body: body as string } : {}) }
}

/**
 * The demo API of the standalone server: notes owned by the token's subject, `notes:read` to read and
 * `notes:write` to change, plus `/api/me`. Every route sits behind `requireAuth`, so it shows the
 * resource-server middleware exactly as an application would use it; a refusal is an `HTTPException` carrying
 * the exact challenge, which the server's `onError` (or Hono's default handler) answers unchanged.
 */
export function notesApi(rs: ResourceServer, notes: NoteStore, now: () => number): Hono<ResourceAuthEnv> {
  const app = new Hono<ResourceAuthEnv>()
  app.get(rs.metadataPath, protectedResourceMetadata(rs))

  app.get('/api/me', requireAuth(rs), (c) => {
    const principal = c.var.auth
    return c.json({ sub: principal.subject, client_id: principal.clientId, scope: principal.scopes.join(' ') })
  })

  app.get('/api/notes', requireAuth(rs, { scopes: ['notes:read'] }), async (c) => c.json({ notes: await notes.list(c.var.auth.subject) }))

  app.post('/api/notes', requireAuth(rs, { scopes: ['notes:write'] }), async (c) => {
    const input = await readNote(c, false)
    if (typeof input === 'string') return invalid(c, input)
    const time = now()
    const note = { id: randomUUID(), owner: c.var.auth.subject, title: input.title ?? '', body: input.body ?? '', created_at: time, updated_at: time }
    await notes.create(note)
    c.header('Location', `/api/notes/${note.id}`)
    return c.json(note, 201)
  })

  app.get('/api/notes/:id', requireAuth(rs, { scopes: ['notes:read'] }), async (c) => {
    const note = await notes.get(c.var.auth.subject, c.req.param('id'))
    return note ? c.json(note) : c.json({ error: 'not_found' }, 404)
  })

  app.patch('/api/notes/:id', requireAuth(rs, { scopes: ['notes:write'] }), async (c) => {
    const input = await readNote(c, true)
    if (typeof input === 'string') return invalid(c, input)
    const note = await notes.update(c.var.auth.subject, c.req.param('id'), input, now())
    return note ? c.json(note) : c.json({ error: 'not_found' }, 404)
  })

  app.delete('/api/notes/:id', requireAuth(rs, { scopes: ['notes:write'] }), async (c) => {
    const deleted = await notes.delete(c.var.auth.subject, c.req.param('id'))
    return deleted ? c.body(null, 204) : c.json({ error: 'not_found' }, 404)
  })
  // An unknown route or method answers in the API's own JSON error format, not Hono's text/plain 404.
  app.notFound((c) => c.json({ error: 'invalid_request', error_description: 'Not found' }, 404))
  return app
}
