/** Placeholder until the CLI lands (its issue). */
export const version = '0.1.0'
