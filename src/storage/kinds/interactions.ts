import type { InteractionRecord, InteractionStore, RecordKind, RecordStore } from '../types.js'

/**
 * Authorization requests waiting for the user, keyed by their id. No subject: an interaction belongs to
 * the browser, and the server looks its user up again when it completes.
 */
export const INTERACTION: RecordKind<InteractionRecord> = { name: 'interaction' }

/**
 * `store.interactions` over the record facility, the same for every backend.
 *
 * @example const interactions = interactionStore(records)
 */
export function interactionStore(records: RecordStore): InteractionStore {
  return {
    // An upsert: the server saves the interaction again once the user has logged in.
    save: (interaction) => records.put(INTERACTION, { key: interaction.id, value: interaction, expiresAt: interaction.expires_at }, { replace: true }),
    get: async (id, now) => (await records.get(INTERACTION, id, now))?.value,
    // Single use: one form submission completes it; a second (or concurrent) one finds nothing.
    async consume(id, now) {
      const result = await records.consume(INTERACTION, id, now)
      return result.status === 'consumed' ? result.record.value : undefined
    },
  }
}
