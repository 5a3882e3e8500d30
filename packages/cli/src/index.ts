/**
 * `@llmkit/cli`: the `llmkit` command (`generate`, `models`) and the pieces it is built from,
 * for embedding it in other tools.
 * @packageDocumentation
 */
export { run, createProgram } from './program.js'
export { EXIT_CODES, exitCodeFor, UsageError, type ExitCode } from './exit-codes.js'
export { type CliContext, processContext } from './context.js'
export { runGenerate, type GenerateCommandOptions, type GenerateResult, type SavedImage } from './generate-command.js'
export { runModels, type ModelsCommandOptions } from './models-command.js'
export { createProgressReporter, describeEvent, type ProgressReporter, type ProgressStream, type ProgressOptions } from './progress.js'
export { parseSize, SIZE_PRESETS } from './sizes.js'
export { slugify, extensionFor, imageBaseName } from './file-names.js'
export { VERSION } from './version.js'
