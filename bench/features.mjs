// Figures that depend on parts of llmkit still being written (the cache middleware, an async
// provider). Each probe says whether the figure can be measured, and if not, why.

/** Whether llmkit's cache middleware is available, and how to turn it on. */
export async function cacheSupport() {
  const core = await import('llmkit')
  if (typeof core.cache === 'function') return { ok: true }
  return { ok: false, reason: 'llmkit exports no cache middleware yet (packages/core/src/pipeline/cache.ts is not in the build)' }
}

/** The first async provider that is built, or why none is. */
export async function asyncProvider() {
  try {
    const mod = await import('@llmkit/provider-fal')
    if (typeof mod.fal === 'function' && mod.falModels?.some((m) => m.mode === 'async')) return { ok: true, provider: 'fal' }
    return { ok: false, reason: '@llmkit/provider-fal has no async model yet' }
  } catch (error) {
    return { ok: false, reason: `@llmkit/provider-fal is not built (${String(error).slice(0, 120)})` }
  }
}
