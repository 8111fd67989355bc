import { parseArgs } from 'node:util'
import { createUser, deleteUser, updateUser } from '../server/admin.js'
import { now, openStore, print, STORE_OPTIONS, UsageError } from './common.js'
import { cliAuditSink } from './audit.js'

/** `tessera user create|list|update|delete`. */
export async function userCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: {
      ...STORE_OPTIONS,
      json: { type: 'boolean' },
      username: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      id: { type: 'string' },
    },
    strict: true,
  })
  const json = values.json ?? false
  const store = await openStore(values)
  try {
    switch (action) {
      case 'create': {
        if (!values.username || !values.password) throw new UsageError('user create needs --username and --password')
        const user = await createUser(store, {
          username: values.username,
          password: values.password,
          ...(values.name ? { name: values.name } : {}),
          ...(values.email ? { email: values.email, emailVerified: true } : {}),
        }, now(), { audit: cliAuditSink(store), actor: 'cli' })
        print(json, { id: user.id, username: user.username, name: user.name, email: user.email }, `created user ${user.username} (sub ${user.id})`)
        return
      }
      case 'list': {
        const users = (await store.users.list()).map(({ password_hash: _hash, ...user }) => user)
        print(json, users, users.map((u) => `${u.id}\t${u.username}\t${u.name ?? ''}\t${u.email ?? ''}`).join('\n') || '(no users)')
        return
      }
      case 'update': {
        const target = values.id ?? (values.username ? (await store.users.getByUsername(values.username))?.id : undefined)
        if (!target) throw new UsageError('user update needs --id SUB or --username NAME of an existing user')
        if (values.password === undefined && values.name === undefined && values.email === undefined) {
          throw new UsageError('user update needs --password, --name or --email')
        }
        const user = await updateUser(store, target, {
          ...(values.password !== undefined ? { password: values.password } : {}),
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
      default:
        throw new UsageError('usage: tessera user create|list|update|delete')
    }
  } finally {
    await store.close()
  }
}
