// TypeDoc plugin: names each entry point's module after its package ("llmkit",
// "@llmkit/provider-fal") instead of its folder ("core/src"), so the reference reads like the
// import lines users write. Loaded by typedoc.json ("plugin").
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Converter, ReflectionKind } from 'typedoc'

const packagesDir = new URL('../packages/', import.meta.url).pathname
const names = Object.fromEntries(
  readdirSync(packagesDir).map((dir) => [`${dir}/src`, JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')).name]),
)

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const name = names[mod.name]
      if (name !== undefined) mod.name = name
    }
  })
}
