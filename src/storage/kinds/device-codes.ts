import type { KeyedRecord, RecordKind, RecordStore } from '../types.js'

/**
 * A device authorization (RFC 8628 §3.1–§3.5) from the device's request until its tokens are issued: what
 * the client asked for, its polling, and — once the user decided at the verification page — who approved
 * it and how they signed in. Keyed by the SHA-256 of the `device_code` (a bearer secret the store never
 * holds); its user code is found through `DEVICE_USER_CODE`.
 */
export interface DeviceCodeRecord {
  client_id: string
  scopes: string[]
  /** RFC 8707 `resource` values of the device authorization request. */
  resources: string[]
  /** Canonical user code (8 letters, no dash). */
  user_code: string
  /** The grant the tokens belong to, fixed at the request so an approval cannot be confused with another. */
  grant_id: string
  /** Unix seconds. */
  created_at: number
  /** When the codes stop working (`expires_in` from `created_at`); the record outlives it briefly to answer `expired_token`. */
  expires_at: number
  /** RFC 8628 §3.5: seconds between polls, raised by every `slow_down`. */
  interval: number
  last_polled_at: number | null
  status: 'pending' | 'approved' | 'denied'
  /** Set when the user approved: the session's user and how they signed in. */
  user_id: string | null
  auth_time: number | null
  session_id: string | null
  amr: string[] | null
  acr: string | null
}

/** Device codes by the SHA-256 of `device_code`; deleted with their client (and, once approved, their user). */
export const DEVICE_CODE: RecordKind<DeviceCodeRecord> = { name: 'device-code' }

/** User codes by the SHA-256 of the canonical code: the verification page's way to its device code. */
export const DEVICE_USER_CODE: RecordKind<{ device_code_hash: string }> = { name: 'device-user-code' }

/**
 * Seconds a device code record stays after `expires_at`, so a late poll is told `expired_token` (RFC 8628
 * §3.5) rather than that the code never existed.
 */
export const EXPIRED_DEVICE_CODE_GRACE = 600

/**
 * The device code and its user code, stored together. Rejects with `StorageConflictError` when the user
 * code is taken by a live flow (the caller draws another); the device code is then never stored.
 */
export async function saveDeviceCode(records: RecordStore, deviceCodeHash: string, userCodeHash: string, value: DeviceCodeRecord): Promise<void> {
  await records.put(DEVICE_USER_CODE, { key: userCodeHash, value: { device_code_hash: deviceCodeHash }, expiresAt: value.expires_at, clientId: value.client_id })
  try {
    await records.put(DEVICE_CODE, { key: deviceCodeHash, value, expiresAt: value.expires_at + EXPIRED_DEVICE_CODE_GRACE, clientId: value.client_id })
  } catch (error) {
    await records.delete(DEVICE_USER_CODE, userCodeHash)
    throw error
  }
}

/** The live, unexpired device authorization a user code names, with the key and revision to update it by. */
export async function findByUserCode(records: RecordStore, userCodeHash: string, now: number): Promise<{ deviceCodeHash: string; record: KeyedRecord<DeviceCodeRecord> } | undefined> {
  const pointer = await records.get(DEVICE_USER_CODE, userCodeHash, now)
  if (!pointer) return undefined
  const record = await records.get(DEVICE_CODE, pointer.value.device_code_hash, now)
  if (!record || record.value.expires_at <= now) return undefined
  return { deviceCodeHash: pointer.value.device_code_hash, record }
}
