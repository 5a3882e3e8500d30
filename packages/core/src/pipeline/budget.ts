/**
 * Spending limits: a {@link BudgetStore} holds the spend of named budgets; the budget
 * middleware reserves a call's estimated cost there before the network.
 */

/**
 * Where the spend of named budgets lives. The in-memory store ({@link createMemoryBudgetStore})
 * serves one process; a shared store (e.g. `@llmkit/redis`) serves a fleet. Implementations
 * keep amounts as integer micro-dollars ({@link toMicroUsd}) so sums never drift, and return
 * US dollars.
 */
export interface BudgetStore {
  /** Atomically adds amountUsd to the named budget unless the new total would exceed limitUsd. */
  reserve(budget: string, amountUsd: number, limitUsd: number): Promise<{ ok: boolean; spentUsd: number }>
  /** Adds deltaUsd (may be negative: a refund of a reservation when the call failed or cost less). */
  adjust(budget: string, deltaUsd: number): Promise<number>
  /** Current spend in USD. */
  spent(budget: string): Promise<number>
  /** Sets the spend back to zero. */
  reset(budget: string): Promise<void>
}

/** US dollars as integer micro-dollars, the unit stores count in. */
export function toMicroUsd(usd: number): number {
  return Math.round(usd * 1e6)
}

/** Integer micro-dollars back to US dollars. */
export function fromMicroUsd(micros: number): number {
  return micros / 1e6
}

/**
 * A {@link BudgetStore} in this process's memory. Each method runs to completion without an
 * `await` inside, so a reservation is atomic against every other call of the same process.
 * Spend never goes below zero (a refund larger than the spend clamps at zero).
 */
export function createMemoryBudgetStore(): BudgetStore {
  const spend = new Map<string, number>()
  const get = (budget: string): number => spend.get(budget) ?? 0
  return {
    reserve(budget, amountUsd, limitUsd) {
      const current = get(budget)
      const next = current + toMicroUsd(amountUsd)
      if (next > toMicroUsd(limitUsd)) return Promise.resolve({ ok: false, spentUsd: fromMicroUsd(current) })
      spend.set(budget, next)
      return Promise.resolve({ ok: true, spentUsd: fromMicroUsd(next) })
    },
    adjust(budget, deltaUsd) {
      const next = Math.max(0, get(budget) + toMicroUsd(deltaUsd))
      spend.set(budget, next)
      return Promise.resolve(fromMicroUsd(next))
    },
    spent: (budget) => Promise.resolve(fromMicroUsd(get(budget))),
    reset(budget) {
      spend.delete(budget)
      return Promise.resolve()
    },
  }
}
