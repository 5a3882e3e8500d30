import { UsageError } from './exit-codes.js'

/** Longest prompt read from standard input; a runaway pipe is refused, not buffered forever. */
const MAX_STDIN_PROMPT_BYTES = 1024 * 1024

/**
 * The prompt given as `-`: all of standard input, without its trailing newline.
 *
 * @throws UsageError (exit 2) when it is empty or longer than 1 MiB.
 */
export async function readStdinPrompt(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buffer.length
    if (size > MAX_STDIN_PROMPT_BYTES) throw new UsageError('the prompt on standard input is longer than 1 MiB')
    chunks.push(buffer)
  }
  const prompt = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
  if (prompt.trim() === '') throw new UsageError('the prompt on standard input (-) is empty: pipe the text in, e.g. echo "A red fox" | llmkit generate - -m dall-e-3')
  return prompt
}
