#!/usr/bin/env node
import { run } from './program.js'

// Exit explicitly: keep-alive sockets of the HTTP agent must not hold a finished command open.
process.exit(await run(process.argv))
