/**
 * Option checks shared by the transport, the job runner and the built-in middleware: they fail
 * at construction with a TypeError
 * naming the option (p-retry style), so a typo never surfaces as odd behaviour mid-batch.
 */

/** @throws TypeError unless `value` is undefined or an integer ≥ `min`. */
export function checkInteger(name: string, value: unknown, min = 0): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be an integer of at least ${min}, got ${String(value)}.`)
  }
}

/** @throws TypeError unless `value` is undefined or a finite number ≥ `min` (Infinity allowed when `allowInfinity`). */
export function checkNumber(name: string, value: unknown, min = 0, allowInfinity = false): void {
  if (value === undefined) return
  const ok = typeof value === 'number' && !Number.isNaN(value) && value >= min && (allowInfinity || Number.isFinite(value))
  if (!ok) throw new TypeError(`Expected \`${name}\` to be a ${allowInfinity ? '' : 'finite '}number of at least ${min}, got ${String(value)}.`)
}

/** @throws TypeError unless `value` is undefined or a finite number above 0 (`unit` names what it counts). */
export function checkPositive(name: string, value: unknown, unit = 'number'): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`Expected \`${name}\` to be a positive ${unit}, got ${String(value)}.`)
}

/** @throws TypeError unless `value` is undefined or a function. */
export function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, got ${typeof value}.`)
}

/** @throws TypeError unless `value` is undefined or one of `allowed`. */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): void {
  if (value === undefined) return
  if (!allowed.includes(value as T)) throw new TypeError(`Expected \`${name}\` to be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}.`)
}
