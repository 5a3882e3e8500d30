// @ts-check
/**
 * Version actions for `nx release` on this npm-workspaces repo.
 *
 * Why this file exists: nx 24 defaults `release.version.versionActions` to
 * `@nx/js/src/release/version-actions`, but @nx/js 24 is not published (npm latest is 23.x), so the
 * default cannot be installed alongside nx 24.0.6. This is the small subset of that implementation
 * the repo needs: package.json is the manifest, versions come from git tags with a disk fallback,
 * and workspace dependents get their ranges moved when a dependency ships.
 *
 * CommonJS on purpose: nx loads this path with `require()`, whatever the root `"type"` says.
 * Only nx and nx's own `semver` dependency are used, so no new package is installed.
 */
'use strict'

const { existsSync, readFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { createRequire } = require('node:module')
const { VersionActions } = require('nx/release')

/**
 * nx's own semver, resolved from nx so this file adds no dependency of its own.
 * @type {{ validRange(range: string): string | null, satisfies(version: string, range: string): boolean }} */
const semver = createRequire(require.resolve('nx/package.json'))('semver')

/**
 * Collections searched for a workspace dependency. Published ranges (dependencies, peer) come before
 * devDependencies, whose `"*"` only tells npm workspaces to link the local copy.
 */
const DEPENDENCY_COLLECTIONS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']

/** Ranges npm resolves locally; they are never rewritten to a concrete version. */
const LOCAL_PROTOCOL = /^(workspace:|file:|link:|portal:)|^\*$/

/**
 * @param {import('nx/src/generators/tree').Tree} tree
 * @param {string} path
 * @returns {Record<string, any>}
 */
function readJson(tree, path) {
  const text = tree.read(path, 'utf-8')
  if (text === null) throw new Error(`Cannot read ${path}`)
  return JSON.parse(text)
}

/**
 * The range to write for a dependency that now resolves to `newVersion`. Keeps local protocols and
 * `*`, keeps a range that already accepts the new version (nx's `preserveMatchingDependencyRanges`),
 * and otherwise keeps the range's own `^`/`~` prefix so a peer range stays a range.
 *
 * @param {string} currentRange
 * @param {string} newVersion version from nx, possibly with the prefix nx chose (`versionPrefix`)
 * @param {boolean} preserveMatching
 */
function nextRange(currentRange, newVersion, preserveMatching) {
  if (LOCAL_PROTOCOL.test(currentRange)) return currentRange
  const bare = newVersion.replace(/^[~^=]/, '')
  if (preserveMatching && semver.validRange(currentRange) && semver.satisfies(bare, currentRange)) return currentRange
  const prefix = /^[~^]/.exec(currentRange)?.[0] ?? /^[~^]/.exec(newVersion)?.[0] ?? ''
  return `${prefix}${bare}`
}

/** package.json version actions for one project; nx creates one instance per released project. */
class NpmVersionActions extends VersionActions {
  /** @type {string[]} */
  validManifestFilenames = ['package.json']

  /** @param {import('nx/src/generators/tree').Tree} tree */
  async readCurrentVersionFromSourceManifest(tree) {
    const manifestPath = join(this.projectGraphNode.data.root, 'package.json')
    const { version } = readJson(tree, manifestPath)
    return typeof version === 'string' ? { currentVersion: version, manifestPath } : null
  }

  /**
   * Not supported: nothing is published yet and the release runs `--skip-publish`. Returning null
   * makes nx use `fallbackCurrentVersionResolver` ("disk") instead of failing.
   */
  async readCurrentVersionFromRegistry() {
    return null
  }

  /**
   * @param {import('nx/src/generators/tree').Tree} tree
   * @param {import('nx/src/config/project-graph').ProjectGraph} projectGraph
   * @param {string} dependencyProjectName
   */
  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const json = readJson(tree, join(this.projectGraphNode.data.root, 'package.json'))
    const packageName = packageNameOf(projectGraph, dependencyProjectName)
    for (const collection of DEPENDENCY_COLLECTIONS) {
      const range = json[collection]?.[packageName]
      if (typeof range === 'string') return { currentVersion: range, dependencyCollection: collection }
    }
    return { currentVersion: null, dependencyCollection: null }
  }

  /**
   * @param {import('nx/src/generators/tree').Tree} tree
   * @param {string} newVersion
   */
  async updateProjectVersion(tree, newVersion) {
    return this.manifestsToUpdate.map(({ manifestPath }) => {
      const json = readJson(tree, manifestPath)
      json.version = newVersion
      tree.write(manifestPath, `${JSON.stringify(json, null, 2)}\n`)
      return `✍️  New version ${newVersion} written to manifest: ${manifestPath}`
    })
  }

  /**
   * Rewrites every collection that names a bumped workspace package (a provider lists `llmkit` as
   * both peer `^x.y.z` and dev `*`), each according to {@link nextRange}.
   *
   * @param {import('nx/src/generators/tree').Tree} tree
   * @param {import('nx/src/config/project-graph').ProjectGraph} projectGraph
   * @param {Record<string, string>} dependenciesToUpdate project name → new version
   */
  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const preserveMatching = this.finalConfigForProject.preserveMatchingDependencyRanges !== false
    const logs = []
    for (const { manifestPath, preserveLocalDependencyProtocols } of this.manifestsToUpdate) {
      const json = readJson(tree, manifestPath)
      let changed = 0
      for (const [project, newVersion] of Object.entries(dependenciesToUpdate)) {
        const packageName = packageNameOf(projectGraph, project)
        for (const collection of DEPENDENCY_COLLECTIONS) {
          const current = json[collection]?.[packageName]
          if (typeof current !== 'string') continue
          const next = preserveLocalDependencyProtocols === false && LOCAL_PROTOCOL.test(current)
            ? newVersion
            : nextRange(current, newVersion, preserveMatching)
          if (next !== current) {
            json[collection][packageName] = next
            changed++
          }
        }
      }
      if (changed > 0) {
        tree.write(manifestPath, `${JSON.stringify(json, null, 2)}\n`)
        logs.push(`✍️  Updated ${changed} ${changed === 1 ? 'dependency' : 'dependencies'} in manifest: ${manifestPath}`)
      }
    }
    return logs
  }
}

/**
 * npm package name of a workspace project (nx names npm-workspace projects after their package, but
 * the js metadata is authoritative when present).
 *
 * @param {import('nx/src/config/project-graph').ProjectGraph} projectGraph
 * @param {string} projectName
 * @returns {string}
 */
function packageNameOf(projectGraph, projectName) {
  return projectGraph.nodes[projectName]?.data.metadata?.js?.packageName ?? projectName
}

/**
 * Copies the new versions and workspace ranges into package-lock.json, whose `packages/<dir>`
 * entries mirror each workspace's package.json (a stale copy makes `npm ci` refuse the lock file).
 * Edits the JSON instead of running `npm install --package-lock-only`, so a release never resolves
 * or downloads anything. nx calls this once, after the versioned manifests are on disk.
 *
 * @type {import('nx/release').AfterAllProjectsVersioned}
 */
async function afterAllProjectsVersioned(cwd, { dryRun }) {
  const lockPath = join(cwd, 'package-lock.json')
  if (dryRun || !existsSync(lockPath)) return { changedFiles: [], deletedFiles: [] }
  const lock = JSON.parse(readFileSync(lockPath, 'utf-8'))
  let changed = false
  for (const [dir, entry] of Object.entries(lock.packages ?? {})) {
    const manifestPath = join(cwd, dir, 'package.json')
    if (dir === '' || dir.includes('node_modules') || !existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf-8'))
    if (typeof manifest.version === 'string' && entry.version !== manifest.version) {
      entry.version = manifest.version
      changed = true
    }
    for (const collection of DEPENDENCY_COLLECTIONS) {
      for (const name of Object.keys(entry[collection] ?? {})) {
        const range = manifest[collection]?.[name]
        if (typeof range === 'string' && entry[collection][name] !== range) {
          entry[collection][name] = range
          changed = true
        }
      }
    }
  }
  if (!changed) return { changedFiles: [], deletedFiles: [] }
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`)
  return { changedFiles: [lockPath], deletedFiles: [] }
}

module.exports = NpmVersionActions
module.exports.default = NpmVersionActions
module.exports.afterAllProjectsVersioned = afterAllProjectsVersioned
module.exports.nextRange = nextRange
