// Runs the Node.js version check once, when the core is imported (first import of index.ts).
import { checkNodeVersion } from './node-version.js'

checkNodeVersion()
