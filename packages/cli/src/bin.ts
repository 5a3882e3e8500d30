#!/usr/bin/env node
// Loaded dynamically: on a Node.js older than llmkit's floor the core refuses at import, and the
// command should say so in one line, not as an uncaught error dump.
try {
  const { run } = await import('./program.js')
  // Exit explicitly: keep-alive sockets of the HTTP agent must not hold a finished command open.
  process.exit(await run(process.argv))
} catch (error) {
  if ((error as { code?: unknown } | null)?.code !== 'LLMKIT_UNSUPPORTED_RUNTIME') throw error
  console.error(`llmkit: ${(error as Error).message}`)
  process.exit(1)
}
