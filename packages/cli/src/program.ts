import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { IMAGE_OPERATIONS, ImageBackground, ImageQuality, ImageStyle, OutputFormat } from '@llmkit/core'
import { registerBatchCommands } from './batch-command.js'
import { type CliContext, processContext } from './context.js'
import { EXIT_CODES, exitCodeHelp, UsageError, type ExitCode } from './exit-codes.js'
import { runGenerate, type GenerateCommandOptions } from './generate-command.js'
import { runModels, type ModelsCommandOptions } from './models-command.js'
import { registerServeCommand } from './serve-command.js'
import { parseSize, SIZE_PRESETS } from './sizes.js'
import { VERSION } from './version.js'

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`)
    }
    return n
  }
}

/** A number from 0 to 1 (`--strength`). */
function fraction(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be a number from 0 to 1.`)
    return n
  }
}

/** Repeatable options (`--image a.png --image b.png`) keep every value, in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

function size(value: string): string {
  try {
    return parseSize(value)
  } catch (error) {
    throw new InvalidArgumentError((error as UsageError).message)
  }
}

/**
 * Builds the `llmkit` command. Each action stores its exit code in `state.exitCode`; nothing calls
 * `process.exit`, so tests can run the program in-process.
 */
export function createProgram(ctx: CliContext, state: { exitCode: ExitCode }): Command {
  const program = new Command()
    .name('llmkit')
    .description('Generate images from text prompts through any installed llmkit provider.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .exitOverride()

  program
    .command('generate')
    .description('Generate images and save them to files; prints the paths.')
    .argument('[prompt]', 'what to draw, or - to read it from standard input (optional with --operation variation)')
    .requiredOption('-m, --model <id>', 'model id, alias or provider:model (see llmkit models)')
    .option('-n, --n <count>', 'number of images, 1-10', integer('--n', 1, 10))
    .option('-s, --size <size>', `WxH in pixels, or a preset: ${Object.keys(SIZE_PRESETS).slice(0, 3).join(', ')}, Square512...`, size)
    .addOption(new Option('-q, --quality <quality>', 'quality tier').choices(Object.values(ImageQuality)))
    .addOption(new Option('--style <style>', 'style (DALL-E 3)').choices(Object.values(ImageStyle)))
    .option('--aspect-ratio <W:H>', "aspect ratio such as 16:9 (size-only models get the nearest size, with a warning)")
    .addOption(new Option('--output-format <format>', 'image file format, on models that can choose').choices(Object.values(OutputFormat)))
    .option('--compression <0-100>', 'compression for jpeg or webp output, on models that take it', integer('--compression', 0, 100))
    .addOption(new Option('--background <background>', 'background, on models that take it (transparent needs png or webp)').choices(Object.values(ImageBackground)))
    .option('--negative <prompt>', 'what the image must not contain')
    .option('--seed <seed>', 'seed for reproducible images', integer('--seed', 0, 4_294_967_295))
    .option('--image <path>', 'input image file (png, jpeg, webp); repeat for several, in order (the IMAGES column of llmkit models)', collect)
    .option('--mask <path>', 'mask file marking the area to change (same size as the first image; OpenAI: transparent pixels, others: white)')
    .option('--strength <0-1>', 'how far the result may move from the input image (image-to-image models)', fraction('--strength'))
    .addOption(new Option('--operation <operation>', "what to do with the images (default: the model's edit, image-to-image or reference)").choices(IMAGE_OPERATIONS))
    .addOption(new Option('-f, --format <format>', 'what the provider returns: url or b64 (images are saved either way)').choices(['url', 'b64']))
    .option('-o, --output <dir>', 'folder to save images in (created if missing; checked before the provider is called)', '.')
    .option('--timeout <seconds>', 'give up after this many seconds, cancelling remote jobs (default 900)', integer('--timeout', 1, 86_400))
    .option('--json', 'print one JSON document with paths, warnings, usage and timings')
    .option('--emulate', 'run against a local emulator started in-process (offline, no keys)')
    .addHelpText(
      'after',
      `
Files are named <model>-<prompt>-<index>[-s<seed>].<ext>, with each image's own seed (each part of a
split request has its own); the extension (png, jpg, webp, svg) comes from the image bytes. An image
that cannot be written to -o after it was generated is saved to the llmkit-rescued folder in the
system temp folder instead (exit 1, the message says where). Progress goes to stderr (bars on a terminal, plain lines otherwise); Ctrl-C
cancels remote jobs. Paths go to stdout, one per line.

Examples:
  llmkit generate "A serene mountain landscape" -m dall-e-3 --size landscape -o out
  llmkit generate "A fox, watercolor" -m fal-ai/flux/schnell -n 4 --seed 42 --json
  llmkit generate "A cat" -m dall-e-3 --emulate
  cat prompt.txt | llmkit generate - -m gpt-image-1 --timeout 120
  llmkit generate "Add a red hat" -m gpt-image-1 --image cat.png --mask hat-area.png
  llmkit generate "Autumn colours" -m stability-ai/sd3.5-large --image photo.jpg --strength 0.6
  llmkit generate -m dall-e-2 --image cat.png --operation variation -n 3

${exitCodeHelp()}`,
    )
    .action(async (prompt: string | undefined, options: GenerateCommandOptions, command: Command) => {
      // Only a variation goes without a prompt (it draws from the image alone).
      if (prompt === undefined && options.operation !== 'variation') command.error("error: missing required argument 'prompt' (only --operation variation goes without one)")
      state.exitCode = await runGenerate(prompt ?? '', options, ctx)
    })

  program
    .command('models')
    .description('List every installed model with its capabilities and whether its API key is set.')
    .option('-p, --provider <id>', 'only this provider (openai, fal, stability, recraft, runway, replicate)')
    .option('--json', 'print JSON instead of a table')
    .option('--emulate', 'point every provider at an in-process emulator (keys count as set)')
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .action(async (options: ModelsCommandOptions) => {
      state.exitCode = await runModels(options, ctx)
    })

  registerBatchCommands(program, ctx, state)
  registerServeCommand(program, ctx, state)

  // Subcommands inherit output and exit handling, so their usage errors exit 2 as well.
  for (const command of program.commands) {
    command.configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) }).showHelpAfterError('(run with --help for usage)').exitOverride()
  }
  return program
}

/**
 * Runs the `llmkit` command line and resolves to its exit code (see `EXIT_CODES`).
 *
 * @example
 * ```ts
 * process.exitCode = await run(process.argv)
 * ```
 */
export async function run(argv: readonly string[], ctx: CliContext = processContext()): Promise<ExitCode> {
  const state: { exitCode: ExitCode } = { exitCode: EXIT_CODES.ok }
  const program = createProgram(ctx, state)
  const args = argv.slice(2)
  if (args.length === 0) {
    program.outputHelp()
    return EXIT_CODES.badInput
  }
  try {
    await program.parseAsync(argv as string[])
    return state.exitCode
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0 in commander's exitOverride model.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.badInput
    }
    ctx.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`)
    return EXIT_CODES.internal
  }
}
