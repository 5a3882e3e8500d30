#!/usr/bin/env node
console.error('llmkit CLI: not implemented yet')
process.exit(1)
