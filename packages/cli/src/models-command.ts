import { LLMKitClient, type ModelListing, type ModelPrice } from '@llmkit/core'
import { MODEL_TABLE_HEADER, modelRow } from './capability-summary.js'
import type { CliContext } from './context.js'
import { environmentWith, startInProcessEmulator, type EmulatorHandle } from './emulate.js'
import { unknownProviderMessage } from './hints.js'
import { describeFailure, jsonFailure } from './errors-output.js'
import { EXIT_CODES, exitCodeFor, UsageError, type ExitCode } from './exit-codes.js'
import { renderTable } from './table.js'

/** Options of `llmkit models`. */
export interface ModelsCommandOptions {
  /** Only this provider's models. */
  provider?: string | undefined
  /** Print JSON instead of a table. */
  json?: boolean | undefined
  /** Run against an in-process emulator (every key then counts as set). */
  emulate?: boolean | undefined
}

/**
 * `llmkit models`: the capability table of every installed provider and whether its key is
 * set, straight from the plugins' capability data (the same rows the core validates with), with
 * the price per image from the plugins' price data (`~` marks a figure that is not confirmed).
 */
export async function runModels(options: ModelsCommandOptions, ctx: CliContext): Promise<ExitCode> {
  let emulator: EmulatorHandle | undefined
  try {
    if (options.emulate) emulator = await startInProcessEmulator()
    const client = LLMKitClient.fromEnv({ env: environmentWith(ctx.env, emulator) })
    const all = await client.models()
    // Prices are the plugins' data, next to their capability rows.
    const plugins = await client.providers()
    const priceOf = (m: ModelListing): ModelPrice | undefined => plugins.find((p) => p.id === m.provider)?.prices?.find((p) => p.model === m.capabilities.id)
    const providers = [...new Set(all.map((m) => m.provider))]
    let listings: ModelListing[] = all
    if (options.provider !== undefined) {
      listings = all.filter((m) => m.provider === options.provider)
      if (!providers.includes(options.provider)) {
        throw new UsageError(unknownProviderMessage(options.provider, providers))
      }
    }
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(listings.map((m) => ({ ...m, price: priceOf(m) })), null, 2)}\n`)
    } else if (listings.length === 0) {
      ctx.stdout.write('No provider packages installed. Install one, e.g. npm i @llmkit/provider-openai\n')
    } else {
      ctx.stdout.write(`${renderTable(MODEL_TABLE_HEADER, listings.map((m) => modelRow(m, priceOf(m))))}\n`)
    }
    return EXIT_CODES.ok
  } catch (error) {
    if (options.json) ctx.stdout.write(`${JSON.stringify(jsonFailure(error), null, 2)}\n`)
    else for (const line of describeFailure(error, ctx.cwd)) ctx.stderr.write(`${line}\n`)
    return exitCodeFor(error)
  } finally {
    await emulator?.close()
  }
}
