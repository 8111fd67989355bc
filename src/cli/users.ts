import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { createUser, deleteUser, setUserDisabled, updateUser } from '../server/admin.js'
import { now, openStore, print, STORE_OPTIONS, UsageError } from './common.js'
import { cliAuditSink } from './audit.js'
import { liveSessions } from '../server/account/index.js'
import { queueBackchannelLogout } from '../server/backchannel-logout/queue.js'
import { LOGIN_SESSION } from '../storage/kinds/sessions.js'
import { resetSecondFactor, secondFactorStatus, setUserRequireMfa } from '../server/mfa/admin.js'

/** Everything on standard input, without the line break a shell `echo` or a here-string adds. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

/** Asks on the terminal without echoing what is typed. */
async function ask(question: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() })
  const lines = createInterface({ input: process.stdin, output: muted, terminal: true })
  process.stderr.write(question)
  try {
    return await new Promise<string>((resolve) => lines.question('', resolve))
  } finally {
    lines.close()
    process.stderr.write('\n')
  }
}

/**
 * The new password: from standard input (`--password-stdin`), the command line (`--password`, which a shell
 * history keeps), or — when `required` and on a terminal — asked twice without echo.
 */
async function passwordOf(values: { password?: string | undefined; 'password-stdin'?: boolean | undefined }, required: boolean): Promise<string | undefined> {
  if (values['password-stdin'] && values.password !== undefined) throw new UsageError('use either --password-stdin or --password')
  if (values['password-stdin']) return readStdin()
  if (values.password !== undefined || !required || !process.stdin.isTTY) return values.password
  const password = await ask('Password: ')
  if ((await ask('Again: ')) !== password) throw new UsageError('the passwords differ')
  return password
}

/** `tessera-oidc user create|list|update|delete|mfa`. */
export async function userCommand(argv: string[]): Promise<void> {
  const [first, ...others] = argv
  // `user sessions revoke …` is one action of two words; `user mfa reset|status`: the sub-action comes before the options.
  const action = first === 'sessions' && others[0] === 'revoke' ? 'sessions revoke' : first
  const mfaAction = action === 'mfa' ? others[0] : undefined
  const rest = action === 'sessions revoke' || action === 'mfa' ? others.slice(1) : others
  const { values } = parseArgs({
    args: rest,
    options: {
      ...STORE_OPTIONS,
      json: { type: 'boolean' },
      username: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      name: { type: 'string' },
      email: { type: 'string' },
      id: { type: 'string' },
      session: { type: 'string' },
      all: { type: 'boolean' },
      'require-mfa': { type: 'boolean' },
      'no-require-mfa': { type: 'boolean' },
      disable: { type: 'boolean' },
      enable: { type: 'boolean' },
    },
    strict: true,
  })
  const json = values.json ?? false
  const store = await openStore(values)
  try {
    switch (action) {
      case 'create': {
        if (!values.username) throw new UsageError('user create needs --username')
        const password = await passwordOf(values, true)
        if (password === undefined) throw new UsageError('user create needs a password: --password-stdin, or run it on a terminal to be asked')
        const user = await createUser(store, {
          username: values.username,
          password,
          ...(values.name ? { name: values.name } : {}),
          ...(values.email ? { email: values.email, emailVerified: true } : {}),
        }, now(), { audit: cliAuditSink(store), actor: 'cli' })
        print(json, { id: user.id, username: user.username, name: user.name, email: user.email }, `created user ${user.username} (sub ${user.id})`)
        return
      }
      case 'list': {
        const users = (await store.users.list()).map(({ password_hash: _hash, ...user }) => user)
        print(json, users, users.map((u) => `${u.id}\t${u.username}\t${u.name ?? ''}\t${u.email ?? ''}${u.disabled ? '\tdisabled' : ''}`).join('\n') || '(no users)')
        return
      }
      case 'update': {
        const target = values.id ?? (values.username ? (await store.users.getByUsername(values.username))?.id : undefined)
        if (!target) throw new UsageError('user update needs --id SUB or --username NAME of an existing user')
        const password = await passwordOf(values, false)
        if (values['require-mfa'] && values['no-require-mfa']) throw new UsageError('use either --require-mfa or --no-require-mfa')
        const requireMfa = values['require-mfa'] ? true : values['no-require-mfa'] ? false : undefined
        if (values.disable && values.enable) throw new UsageError('use either --disable or --enable')
        const disabled = values.disable ? true : values.enable ? false : undefined
        if (password === undefined && values.name === undefined && values.email === undefined && requireMfa === undefined && disabled === undefined) {
          throw new UsageError('user update needs --password-stdin, --password, --name, --email, --require-mfa, --no-require-mfa, --disable or --enable')
        }
        if (disabled !== undefined) {
          // Disabling ends the user's sessions (a running server sends their back-channel logouts) and revokes their grants.
          const switched = await setUserDisabled(store, target, disabled, now(), { audit: cliAuditSink(store), actor: 'cli' })
          if (!switched) throw new UsageError(`no user ${target}`)
          if (password === undefined && values.name === undefined && values.email === undefined && requireMfa === undefined) {
            print(json, { id: switched.id, username: switched.username, disabled }, `user ${switched.username}: ${disabled ? 'disabled (sessions ended, grants revoked)' : 'enabled'}`)
            return
          }
        }
        if (requireMfa !== undefined && password === undefined && values.name === undefined && values.email === undefined) {
          const existing = await store.users.get(target)
          if (!existing) throw new UsageError(`no user ${target}`)
          await setUserRequireMfa(store, target, requireMfa)
          print(json, { id: existing.id, username: existing.username, require_mfa: requireMfa }, `user ${existing.username}: second factor ${requireMfa ? 'required' : 'not required'}`)
          return
        }
        if (requireMfa !== undefined) await setUserRequireMfa(store, target, requireMfa)
        const user = await updateUser(store, target, {
          ...(password !== undefined ? { password } : {}),
          ...(values.name !== undefined ? { name: values.name === '' ? null : values.name } : {}),
          // As with create: an address set by the operator counts as verified.
          ...(values.email !== undefined ? (values.email === '' ? { email: null, emailVerified: false } : { email: values.email, emailVerified: true }) : {}),
        }, now(), { audit: cliAuditSink(store), actor: 'cli' })
        if (!user) throw new UsageError(`no user ${target}`)
        print(json, { id: user.id, username: user.username, name: user.name, email: user.email }, `updated user ${user.username} (sub ${user.id})`)
        return
      }
      case 'delete': {
        const target = values.id ?? (values.username ? (await store.users.getByUsername(values.username))?.id : undefined)
        if (!target) throw new UsageError('user delete needs --id SUB or --username NAME of an existing user')
        if (!(await deleteUser(store, target, { audit: cliAuditSink(store), actor: 'cli' }))) throw new UsageError(`no user ${target}`)
        print(json, { deleted: target }, `deleted user ${target}`)
        return
      }
      case 'sessions': {
        const target = values.id ?? (values.username ? (await store.users.getByUsername(values.username))?.id : undefined)
        if (!target || !(await store.users.get(target))) throw new UsageError('user sessions needs --id SUB or --username NAME of an existing user')
        const sessions = await liveSessions(store, target, now())
        const rows = sessions.map(({ sid, authTime, createdAt, expiresAt }) => ({ sid, auth_time: authTime, created_at: createdAt, expires_at: expiresAt }))
        print(json, rows, rows.map((row) => `${row.sid}\tsigned in ${new Date(row.auth_time * 1000).toISOString()}\tends ${new Date(row.expires_at * 1000).toISOString()}`).join('\n') || '(no sessions)')
        return
      }
      case 'sessions revoke': {
        const target = values.id ?? (values.username ? (await store.users.getByUsername(values.username))?.id : undefined)
        if (!target || !(await store.users.get(target))) throw new UsageError('user sessions revoke needs --id SUB or --username NAME of an existing user')
        if ((values.session === undefined) === (values.all !== true)) throw new UsageError('user sessions revoke needs --session SID or --all')
        const sessions = await liveSessions(store, target, now())
        const chosen = values.all === true ? sessions : sessions.filter((session) => session.sid === values.session)
        if (chosen.length === 0 && values.all !== true) throw new UsageError(`user ${target} has no session ${values.session ?? ''}`)
        const audit = cliAuditSink(store)
        // A running server tells the sessions' back-channel logout clients (src/server/backchannel-logout/queue.ts).
        await queueBackchannelLogout(store, target, 'revoked', now(), chosen.map((session) => session.sid))
        for (const session of chosen) {
          await store.records.delete(LOGIN_SESSION, session.key)
          await audit.record({ type: 'account.session_revoked', user_id: target, sid: session.sid })
        }
        print(json, { revoked: chosen.map((session) => session.sid) }, `signed out ${chosen.length} session${chosen.length === 1 ? '' : 's'} of ${target}`)
        return
      }
      case 'mfa': {
        const target = values.id ?? (values.username ? (await store.users.getByUsername(values.username))?.id : undefined)
        if (!target || !(await store.users.get(target))) throw new UsageError('user mfa needs --id SUB or --username NAME of an existing user')
        if (mfaAction === 'reset') {
          await resetSecondFactor(store, target, { audit: cliAuditSink(store), actor: 'cli' })
          print(json, { id: target, second_factor: false }, `removed the second factor of ${target}; they set up a new one at /account/two-factor`)
          return
        }
        if (mfaAction === 'status') {
          const status = await secondFactorStatus(store, target, now())
          print(json, { id: target, ...status }, `${target}: second factor ${status.enrolled ? 'set up' : 'not set up'}, ${status.required ? 'required' : 'not required'}`)
          return
        }
        throw new UsageError('usage: tessera-oidc user mfa reset|status --id SUB | --username U')
      }
      default:
        throw new UsageError('usage: tessera-oidc user create|list|update|delete|sessions|sessions revoke|mfa')
    }
  } finally {
    await store.close()
  }
}
