import { randomUUID } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from './exit-codes.js'

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  return e?.code !== undefined ? `${e.code}: ${e.message}` : String(e?.message ?? error)
}

/**
 * Makes sure `dir` exists and takes files, before anything is sent to a provider: a bad `-o`
 * costs nothing. Creates it (with parents) and writes then removes a probe file.
 *
 * @throws UsageError (exit 2) naming the folder and the reason.
 */
export async function prepareOutputFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true })
  } catch (error) {
    throw new UsageError(`cannot create the output folder ${dir} (${reason(error)}); choose another with -o. Nothing was sent to the provider.`)
  }
  const probe = join(dir, `.llmkit-write-check-${randomUUID()}`)
  try {
    await writeFile(probe, '', { flag: 'wx' })
  } catch (error) {
    throw new UsageError(`cannot write to the output folder ${dir} (${reason(error)}); choose another with -o. Nothing was sent to the provider.`)
  }
  await rm(probe, { force: true })
}

/** Where an image goes when the output folder fails after the image was generated (and paid). */
export function rescueFolder(): string {
  return join(tmpdir(), 'llmkit-rescued')
}

/** Why a write failed, for the message that says where the image went instead. */
export const writeFailure = reason
