import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const nxBin = createRequire(import.meta.url).resolve('nx/bin/nx.js')

/** The part of tools/release/npm-version-actions.cjs these tests call directly. */
interface NpmVersionActionsModule {
  nextRange(currentRange: string, newVersion: string, preserveMatching: boolean): string
  afterAllProjectsVersioned(cwd: string, opts: { dryRun?: boolean }): Promise<{ changedFiles: string[]; deletedFiles: string[] }>
}
const actions = createRequire(import.meta.url)('../tools/release/npm-version-actions.cjs') as NpmVersionActionsModule

/** Runs the workspace's own nx the way `npm run release` would, offline and without a daemon. */
function nx(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [nxBin, ...args],
      { cwd: root, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', CI: 'true' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        resolve({ code, output: stripVTControlCharacters(`${stdout}\n${stderr}`) })
      },
    )
  })
}

/** Every file a real release would write: manifests, changelogs, the lock file. */
function releaseFiles(): Record<string, string | null> {
  const files = ['package-lock.json', ...readdirSync(join(root, 'packages')).flatMap((dir) => [`packages/${dir}/package.json`, `packages/${dir}/CHANGELOG.md`])]
  return Object.fromEntries(files.map((file) => [file, existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf-8') : null]))
}

function versionOnDisk(dir: string): string {
  return (JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf-8')) as { version: string }).version
}

function nextPatch(version: string): string {
  const [major, minor, patch] = version.split('-')[0]!.split('.').map(Number)
  return `${major}.${minor}.${patch! + 1}`
}

describe('nx release (dry run, local version actions)', () => {
  it('plans a provider-only release: version and changelog for @llmkit/provider-fal, llmkit untouched, nothing written', async () => {
    const before = releaseFiles()
    const falNext = nextPatch(versionOnDisk('provider-fal'))

    const { code, output } = await nx(['release', 'patch', '--projects=@llmkit/provider-fal', '--dry-run', '--skip-publish', '--first-release'])

    expect(code, output).toBe(0)
    expect(output).toContain(`@llmkit/provider-fal ❓ Applied semver relative bump "patch", from the given specifier, to get new version ${falNext}`)
    expect(output).toContain(`Previewing an entry in packages/provider-fal/CHANGELOG.md for @llmkit/provider-fal@${falNext}`)
    expect(output).not.toMatch(/^llmkit .*new version/m)
    expect(output).not.toContain('UPDATE packages/core/package.json')
    expect(releaseFiles()).toStrictEqual(before)
  }, 120_000)

  it('`nx release version` bumps only the provider and its dependents, never the core', async () => {
    const before = releaseFiles()
    const falNext = nextPatch(versionOnDisk('provider-fal'))
    // The root `release.git` block is for `nx release`; the subcommand needs its git steps given explicitly.
    const args = ['release', 'version', '--dry-run', '--specifier=patch', '--projects=@llmkit/provider-fal', '--git-commit=false', '--git-tag=false', '--stage-changes=false']

    const { code, output } = await nx(args)

    expect(code, output).toBe(0)
    expect(output).toContain(`@llmkit/provider-fal ✍️  New version ${falNext} written to manifest: packages/provider-fal/package.json`)
    expect(output).toContain('UPDATE packages/provider-fal/package.json [dry-run]')
    expect(output).not.toMatch(/^llmkit .*new version/m)
    expect(output).not.toContain('UPDATE packages/core/package.json')
    expect(output).not.toMatch(/@llmkit\/provider-(openai|stability|recraft|runway|replicate) .*new version/)
    expect(releaseFiles()).toStrictEqual(before)
  }, 120_000)
})

describe('npm version actions', () => {
  it.each([
    ['^0.1.0', '0.2.0', '^0.2.0'],
    ['~1.2.0', '1.3.0', '~1.3.0'],
    ['0.1.0', '0.1.1', '0.1.1'],
    ['^0.1.0', '0.1.1', '^0.1.0'],
    ['*', '0.2.0', '*'],
    ['workspace:*', '0.2.0', 'workspace:*'],
  ])('moves range %s to %s as %s', (current, next, expected) => {
    expect(actions.nextRange(current, next, true)).toBe(expected)
  })

  it('syncs workspace versions and ranges into package-lock.json, and not in a dry run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmkit-release-'))
    try {
      const lock = {
        name: 'ws',
        lockfileVersion: 3,
        packages: {
          '': { name: 'ws', workspaces: ['packages/*'] },
          'packages/provider-fal': { name: '@llmkit/provider-fal', version: '0.1.0', devDependencies: { llmkit: '*' }, peerDependencies: { llmkit: '^0.1.0' } },
          'node_modules/llmkit': { resolved: 'packages/core', link: true },
        },
      }
      writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2))
      const manifest = { name: '@llmkit/provider-fal', version: '0.1.1', peerDependencies: { llmkit: '^0.2.0' }, devDependencies: { llmkit: '*' } }
      const pkgDir = join(dir, 'packages', 'provider-fal')
      mkdirSync(pkgDir, { recursive: true })
      writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(manifest))

      expect(await actions.afterAllProjectsVersioned(dir, { dryRun: true })).toStrictEqual({ changedFiles: [], deletedFiles: [] })
      expect(await actions.afterAllProjectsVersioned(dir, { dryRun: false })).toStrictEqual({ changedFiles: [join(dir, 'package-lock.json')], deletedFiles: [] })

      const written = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf-8')) as typeof lock
      expect(written.packages['packages/provider-fal']).toStrictEqual({ name: '@llmkit/provider-fal', version: '0.1.1', devDependencies: { llmkit: '*' }, peerDependencies: { llmkit: '^0.2.0' } })
      expect(written.packages['node_modules/llmkit']).toStrictEqual({ resolved: 'packages/core', link: true })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
