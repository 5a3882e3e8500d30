import { describe, expect, it } from 'vitest'
import { SignedImageStore } from './image-store.js'

const png = Buffer.from('89504e470d0a1a0a', 'hex')

function parse(path: string) {
  const url = new URL(path, 'http://gateway')
  return { id: url.pathname.split('/').pop()!, expires: url.searchParams.get('expires') ?? undefined, signature: url.searchParams.get('signature') ?? undefined }
}

describe('SignedImageStore', () => {
  it('serves an image at its signed URL until it expires', () => {
    let now = 1_000_000
    const store = new SignedImageStore({ ttlSeconds: 60, maxBytes: 1000, now: () => now })
    const { id, expires, signature } = parse(store.put(png, 'image/png').path)
    expect(store.get(id, expires, signature)).toMatchObject({ bytes: png, mimeType: 'image/png' })
    now += 60_000
    expect(store.get(id, expires, signature)).toBe('expired')
  })

  it('refuses a changed expiry, another id, a changed or missing signature, and another secret', () => {
    const store = new SignedImageStore({ ttlSeconds: 60, maxBytes: 1000, secret: 'a'.repeat(32) })
    const a = parse(store.put(png, 'image/png').path)
    const b = parse(store.put(png, 'image/png').path)
    expect(store.get(a.id, String(Number(a.expires) + 1), a.signature)).toBe('forbidden')
    expect(store.get(b.id, a.expires, a.signature)).toBe('forbidden')
    expect(store.get(a.id, a.expires, `${a.signature!.slice(0, -1)}${a.signature!.endsWith('A') ? 'B' : 'A'}`)).toBe('forbidden')
    expect(store.get(a.id, a.expires, undefined)).toBe('forbidden')
    const other = new SignedImageStore({ ttlSeconds: 60, maxBytes: 1000, secret: 'b'.repeat(32) })
    expect(other.get(a.id, a.expires, a.signature)).toBe('forbidden')
  })

  it('drops the oldest images past maxBytes', () => {
    const store = new SignedImageStore({ ttlSeconds: 60, maxBytes: 20 })
    const first = parse(store.put(Buffer.alloc(10), 'image/png').path)
    const second = parse(store.put(Buffer.alloc(10), 'image/png').path)
    const third = parse(store.put(Buffer.alloc(10), 'image/png').path)
    expect(store.get(first.id, first.expires, first.signature)).toBe('gone')
    expect(store.get(second.id, second.expires, second.signature)).not.toBe('gone')
    expect(store.get(third.id, third.expires, third.signature)).not.toBe('gone')
    expect(store.bytes).toBe(20)
  })
})
