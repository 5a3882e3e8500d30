import type { ModelCapabilities } from './capabilities.js'

/** A family of ids a provider has not listed yet: ids matching `pattern` borrow the row `from`. */
export interface OpenModelFamily {
  /** Ids of the family, e.g. `/^gpt-image-/`. */
  readonly pattern: RegExp
  /** Table id (or wire id) of the row to borrow, usually the newest of the family. */
  readonly from: string
}

/** Options of {@link guessCapabilities}. */
export interface GuessCapabilitiesOptions {
  /** Provider id, named in the warning. */
  readonly provider: string
  /** The provider's capability table. */
  readonly table: readonly ModelCapabilities[]
  /** Families, tried in order after a dated snapshot of a table id; the first match wins. */
  readonly families?: readonly OpenModelFamily[] | undefined
  /**
   * The row of an id that is neither a snapshot nor in a family: the safest settings the
   * provider's endpoint takes. Undefined: such an id is not opened (the caller gets
   * ModelNotFoundError).
   */
  readonly fallback?: Omit<ModelCapabilities, 'id' | 'wireId' | 'guessed'> | undefined
}

/** What a model id may look like: word characters, `.`, `-` and `/`, not starting with a separator. */
const OPEN_ID = /^[A-Za-z0-9][\w.\-/]*$/

/** `-2026-04-21` or `-20260421` (with `-` or `_`) after a table id: a dated snapshot of that model. */
const DATED_SNAPSHOT = /^[-_](\d{4}-\d{2}-\d{2}|\d{8})$/

/**
 * A conservative capability row for an id outside a provider's table, for its plugin's
 * `openModel`. In order: a dated snapshot of a table model (`gpt-image-2-2026-04-21`) takes that
 * row; an id of a known family takes the family's row; anything else takes `fallback`. The row's
 * `id` and `wireId` are the id as given, and `guessed` says where the row came from, so every
 * response carries a warning that the capabilities are a guess.
 *
 * Ids with other characters than letters, digits, `_`, `.`, `-` and `/` are not opened.
 *
 * @throws TypeError when a family names a row that is not in the table (a plugin bug).
 */
export function guessCapabilities(id: string, options: GuessCapabilitiesOptions): ModelCapabilities | undefined {
  const { provider, table } = options
  if (!OPEN_ID.test(id)) return undefined
  const find = (ref: string) => table.find((row) => row.id === ref || row.wireId === ref)
  const snapshot = table.find((row) => [row.id, row.wireId].some((known) => id.startsWith(known) && DATED_SNAPSHOT.test(id.slice(known.length))))
  if (snapshot) return borrow(id, snapshot, `${provider} ${id} is not in llmkit's table; its capabilities are those of ${snapshot.id}, of which it looks like a dated snapshot`)
  for (const family of options.families ?? []) {
    if (!family.pattern.test(id)) continue
    const row = find(family.from)
    if (row === undefined) throw new TypeError(`${provider}: open-model family ${String(family.pattern)} borrows "${family.from}", which is not in the table`)
    return borrow(id, row, `${provider} ${id} is not in llmkit's table; its capabilities are guessed from ${row.id} (same family): sizes, counts and options may differ`)
  }
  if (options.fallback === undefined) return undefined
  return {
    ...options.fallback,
    id,
    wireId: id,
    displayName: id,
    guessed: `${provider} ${id} is not in llmkit's table; it runs with minimal guessed capabilities (one image per call, default size, no extras): pass a listed model for full support`,
  }
}

function borrow(id: string, row: ModelCapabilities, guessed: string): ModelCapabilities {
  // Aliases belong to the table row: the open id must not claim them.
  const { aliases: _aliases, ...rest } = row
  return { ...rest, id, wireId: id, displayName: `${row.displayName ?? row.id} (guessed for ${id})`, guessed }
}
