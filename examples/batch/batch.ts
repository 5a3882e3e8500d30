import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { type BadLine, type ManifestLine, readRequests, runBatch, type RunBatchResult, type RunProgress } from '@llmkit/batch'
import type { LLMKitClientOptions } from 'llmkit'

/** The batch job as written in `batch.config.json`. */
export interface BatchConfig {
  /** JSONL file of requests, one `generateImage` request object per line (relative to the config file). */
  requests: string
  /** Folder for the images, `manifest.jsonl` and the resume state (relative to the working directory); running again with the same folder resumes. */
  outDir: string
  /** Items generated at once. */
  concurrency?: number
  /** Most US dollars the whole batch may cost, earlier runs of the folder included. */
  budgetUsd?: number
  /** Pacing and resilience, handed to the client as is: no sleeps in this file. */
  client?: Pick<LLMKitClientOptions, 'rateLimit' | 'retry' | 'timeout'>
}

/** Reads a batch configuration file; its `requests` path is relative to the file. */
export async function loadBatchConfig(path: string): Promise<BatchConfig> {
  const config = JSON.parse(await readFile(path, 'utf8')) as BatchConfig
  return { ...config, requests: resolve(dirname(path), config.requests) }
}

/** What {@link runExampleBatch} returns: the run and the request lines that were skipped. */
export interface ExampleBatchResult extends RunBatchResult {
  badLines: BadLine[]
}

/**
 * The "generate many prompts and save them" use case on `@llmkit/batch`, in one process with no
 * server: every line is checked before anything is paid for, `runBatch` writes each image and a
 * `manifest.jsonl` line per item as they finish, one failed item does not stop the others, and
 * running it again with the same `outDir` keeps what is done (provider jobs already accepted
 * are resumed, not paid for twice).
 */
export async function runExampleBatch(
  config: BatchConfig,
  extra: { clientOptions?: Pick<LLMKitClientOptions, 'logger'>; onItem?: (line: ManifestLine, progress: RunProgress) => void } = {},
): Promise<ExampleBatchResult> {
  const { requests, badLines } = await readRequests(config.requests, { onBadLine: 'skip' })
  const result = await runBatch({
    requests,
    outDir: config.outDir,
    concurrency: config.concurrency,
    budgetUsd: config.budgetUsd,
    // The default client is `LLMKitClient.fromEnv`: the installed providers whose keys are set.
    clientOptions: { ...config.client, ...extra.clientOptions },
    onItem: extra.onItem,
  })
  return { ...result, badLines }
}
