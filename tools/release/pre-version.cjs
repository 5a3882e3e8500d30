// @ts-check
/**
 * `release.version.preVersionCommand`: builds every package before versioning so a real release
 * ships fresh `dist/`. nx runs the pre-version command even for `--dry-run` (it only sets
 * NX_DRY_RUN=true), and a dry run must write nothing, so the build is skipped then.
 */
'use strict'

const { spawnSync } = require('node:child_process')

if (process.env.NX_DRY_RUN === 'true') {
  console.log('Dry run: skipping the pre-version build.')
} else {
  const nx = require.resolve('nx/bin/nx.js')
  const { status } = spawnSync(process.execPath, [nx, 'run-many', '-t', 'build', '--outputStyle=static'], { stdio: 'inherit' })
  process.exit(status ?? 1)
}
