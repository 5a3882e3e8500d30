import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The built bin: these tests check what users run, not the sources. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/** Fails with the command to run when the bin has not been built (npm test builds it first). */
export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npx tsc -p packages/cli/tsconfig.lib.json (npm test builds it)`)
}

/** Output of one bin run. */
export interface BinResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Options of {@link runBin}. */
export interface RunBinOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  /** Called once with the child, to send signals. */
  onSpawn?: (child: ChildProcess, output: { stderr: () => string }) => void
}

/** Runs `node dist/bin.js ...args` with the pinned Node and collects its output. */
export function runBin(args: readonly string[], options: RunBinOptions = {}): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: (options.env ?? process.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    options.onSpawn?.(child, { stderr: () => stderr })
  })
}
