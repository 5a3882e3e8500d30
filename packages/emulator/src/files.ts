import { randomUUID } from 'node:crypto'

interface StoredFile {
  bytes: Buffer
  contentType: string
  expiresAt: number
}

/** Extensions for served files, so URLs look like a CDN's (`.../abc.png`). */
const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/svg+xml': 'svg' }

/** Most files kept at once; the oldest go first, so a long benchmark cannot grow memory forever. */
const MAX_FILES = 2_000

/** Generated images served by the emulator itself at `/files/<id>.<ext>`, with an expiry like the real CDNs. */
export class FileStore {
  readonly #files = new Map<string, StoredFile>()

  constructor(private readonly baseUrl: () => string) {}

  /** Stores bytes and returns their URL. */
  put(bytes: Buffer, contentType: string, ttlMs = 3_600_000): string {
    const name = `${randomUUID()}.${EXTENSIONS[contentType] ?? 'bin'}`
    if (this.#files.size >= MAX_FILES) this.#files.delete(this.#files.keys().next().value!)
    this.#files.set(name, { bytes, contentType, expiresAt: Date.now() + ttlMs })
    return `${this.baseUrl()}/files/${name}`
  }

  /** The file behind a `/files/<name>` path, or undefined when unknown or expired. */
  get(name: string): StoredFile | undefined {
    const file = this.#files.get(name)
    if (file && file.expiresAt < Date.now()) {
      this.#files.delete(name)
      return undefined
    }
    return file
  }
}
