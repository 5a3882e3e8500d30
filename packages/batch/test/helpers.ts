import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ManifestLine } from '@llmkit/batch'

/** A fresh temporary folder. */
export function freshDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `llmkit-batch-${label}-`))
}

/** Every line of an output folder's manifest, parsed. */
export function readManifest(outDir: string): ManifestLine[] {
  const path = join(outDir, 'manifest.jsonl')
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ManifestLine)
}

/** Provider submissions the emulator received, counted per prompt (each item has a unique prompt). */
export async function submissionsByPrompt(emulatorUrl: string): Promise<Map<string, number>> {
  const res = await fetch(`${emulatorUrl}/__emulator/log?submissions=1`)
  const { entries } = (await res.json()) as { entries: { prompt?: string; complete: boolean; status?: number }[] }
  const counts = new Map<string, number>()
  for (const e of entries) if (e.prompt !== undefined) counts.set(e.prompt, (counts.get(e.prompt) ?? 0) + 1)
  return counts
}

/** The submissions in the emulator's log, with whether each was answered in full. */
export async function submissions(emulatorUrl: string): Promise<{ prompt?: string; complete: boolean; at: number }[]> {
  const res = await fetch(`${emulatorUrl}/__emulator/log?submissions=1`)
  return ((await res.json()) as { entries: { prompt?: string; complete: boolean; at: number }[] }).entries
}

/** Polls `check` every 25 ms until it is true, or fails after `timeoutMs`. */
export async function waitFor(what: string | (() => string), check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
    server.on('error', reject)
  })
}

/** A real `redis-server` on a free loopback port, without persistence. */
export interface RedisServer {
  readonly url: string
  stop(): Promise<void>
}

/** Starts `redis-server` (Debian's package; .ci/run installs it) and waits until it accepts connections. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) resolve()
    }
    child.stdout.on('data', onData)
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${String(code)}: ${out}`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopChild(child),
  }
}

/** Stops a child with SIGTERM (SIGKILL after 5 s) and waits for it to exit. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

/** The output of a child so far, for failure messages. */
export function captureOutput(child: ChildProcess): { text: () => string } {
  let text = ''
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()))
  return { text: () => text }
}
