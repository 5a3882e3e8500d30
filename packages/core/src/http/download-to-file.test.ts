import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AbortError, InvalidRequestError, NetworkError, ProviderError, TimeoutError } from '../errors.js'
import { fakeClient, fakePlugin } from '../pipeline/__fixtures__/fake.js'
import { GeneratedImage } from '../response.js'
import { downloadImageToFile } from './download.js'
import { chunked, closeLocalServers, localServer, PNG, resolvesTo } from './__fixtures__/local-server.js'

/** A PNG signature followed by `size` pseudo-random bytes: a multi-MB "image" whose every byte is checked. */
function bigPng(size: number): Buffer {
  const body = Buffer.alloc(size)
  for (let i = 0, x = 7; i < size; i++) body[i] = x = (x * 1103515245 + 12345) & 0xff
  return Buffer.concat([PNG.subarray(0, 8), body])
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

afterEach(closeLocalServers)

/** 64 KiB writes, so a multi-MB body streams in many chunks. */
const chunked64 = (body: Buffer) => chunked(body, 65536)

const freshDir = () => mkdtempSync(join(tmpdir(), 'llmkit-dlf-'))

describe('downloadImageToFile', () => {
  it('streams a multi-MB image to the file with identical bytes, adding the sniffed extension', async () => {
    const image = bigPng(6 * 1024 * 1024)
    const server = await localServer(chunked64(image))
    const dir = freshDir()
    const saved = await downloadImageToFile(`${server.origin}/big`, join(dir, 'sub', 'big'), { guard: { trustedOrigins: [server.origin] }, addExtension: true })
    expect(saved).toStrictEqual({ path: join(dir, 'sub', 'big.png'), bytes: image.length, mimeType: 'image/png' })
    expect(sha(readFileSync(saved.path))).toBe(sha(image))
    expect(readdirSync(join(dir, 'sub'))).toStrictEqual(['big.png'])
  })

  it('keeps a path that has an extension, and recognises an SVG whose root comes after a long comment', async () => {
    const svg = Buffer.from(`<?xml version="1.0"?><!-- ${'x'.repeat(600)} --><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>`)
    const server = await localServer(chunked64(svg))
    const dir = freshDir()
    const saved = await downloadImageToFile(`${server.origin}/v`, join(dir, 'v.png'), { guard: { trustedOrigins: [server.origin] }, addExtension: true })
    expect(saved).toStrictEqual({ path: join(dir, 'v.png'), bytes: svg.length, mimeType: 'image/svg+xml' })
    expect(readFileSync(saved.path)).toStrictEqual(svg)
  })

  it('an over-cap body leaves no file and is a non-retryable NetworkError', async () => {
    const server = await localServer(chunked64(bigPng(3 * 1024 * 1024)))
    const dir = freshDir()
    const error = await downloadImageToFile(`${server.origin}/big`, join(dir, 'big'), { guard: { trustedOrigins: [server.origin] }, maxBytes: 1024 * 1024, addExtension: true }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).retryable).toBe(false)
    expect((error as NetworkError).message).toMatch(/1048576-byte cap/)
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('a declared length over the cap is refused before reading, leaving no file', async () => {
    const server = await localServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(8 * 1024 * 1024) })
      res.write(PNG)
    })
    const dir = freshDir()
    const error = await downloadImageToFile(`${server.origin}/huge`, join(dir, 'huge'), { guard: { trustedOrigins: [server.origin] }, maxBytes: 1024 * 1024 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/is 8388608 bytes, over the 1048576-byte cap/) })
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('an HTML body served as image/png leaves no file and is a ProviderError', async () => {
    const server = await localServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(`<!doctype html><title>expired</title>${' '.repeat(4096)}`))
    const dir = freshDir()
    const error = await downloadImageToFile(`${server.origin}/gone.png`, join(dir, 'gone.png'), { guard: { trustedOrigins: [server.origin] } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).message).toMatch(/did not serve an image/)
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('a short non-image body (under the sniff size) is refused too', async () => {
    const server = await localServer((_req, res) => res.end('{"error":"expired"}'))
    const dir = freshDir()
    await expect(downloadImageToFile(`${server.origin}/j`, join(dir, 'j'), { guard: { trustedOrigins: [server.origin] } })).rejects.toBeInstanceOf(ProviderError)
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('an abort mid-body rejects with an AbortError and leaves no file', async () => {
    const head = bigPng(256 * 1024)
    let sent: () => void = () => {}
    const halfway = new Promise<void>((resolve) => (sent = resolve))
    const server = await localServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(head.length * 4) })
      res.write(head, () => sent()) // then never finishes
    })
    const dir = freshDir()
    const controller = new AbortController()
    const pending = downloadImageToFile(`${server.origin}/slow`, join(dir, 'slow'), { guard: { trustedOrigins: [server.origin] }, signal: controller.signal }).catch((e: unknown) => e)
    await halfway
    await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort()
    expect(await pending).toBeInstanceOf(AbortError)
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('a body cut short (connection closed before the promised length) leaves no file', async () => {
    const head = bigPng(512 * 1024)
    const server = await localServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(head.length * 2) })
      res.write(head, () => res.socket?.destroy())
    })
    const dir = freshDir()
    const error = await downloadImageToFile(`${server.origin}/cut`, join(dir, 'cut.png'), { guard: { trustedOrigins: [server.origin] } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('a body that stalls past the deadline is a TimeoutError and leaves no file', async () => {
    const server = await localServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(PNG.length * 2) })
      res.write(PNG) // then nothing more
    })
    const dir = freshDir()
    const error = await downloadImageToFile(`${server.origin}/stall`, join(dir, 'stall'), { guard: { trustedOrigins: [server.origin] }, timeoutMs: 150 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('a non-2xx answer leaves no file and keeps its retryability', async () => {
    const server = await localServer((_req, res) => res.writeHead(503, { 'retry-after': '2' }).end('busy'))
    const dir = freshDir()
    const error = await downloadImageToFile(`${server.origin}/x`, join(dir, 'x'), { guard: { trustedOrigins: [server.origin] } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error).toMatchObject({ status: 503, retryable: true, retryAfterMs: 2000 })
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('refuses a private URL with no connection made, by literal and by resolved name', async () => {
    const server = await localServer(chunked64(PNG))
    const dir = freshDir()
    await expect(downloadImageToFile(`${server.origin}/x.png`, join(dir, 'a'))).rejects.toBeInstanceOf(InvalidRequestError)
    await expect(downloadImageToFile(`https://127.0.0.1:${server.port}/x.png`, join(dir, 'b'))).rejects.toThrow(/loopback/)
    const error = await downloadImageToFile(`https://cdn.provider.test:${server.port}/x.png`, join(dir, 'c'), { guard: { lookup: resolvesTo('10.0.0.8', '127.0.0.1') } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(server.connections).toBe(0)
    expect(readdirSync(dir)).toStrictEqual([])
  })

  it('writes a data: URL image, and refuses one that is not an image', async () => {
    const dir = freshDir()
    const saved = await downloadImageToFile(`data:image/png;base64,${PNG.toString('base64')}`, join(dir, 'd'), { addExtension: true })
    expect(saved).toStrictEqual({ path: join(dir, 'd.png'), bytes: PNG.length, mimeType: 'image/png' })
    expect(readFileSync(saved.path)).toStrictEqual(PNG)
    await expect(downloadImageToFile(`data:image/png;base64,${Buffer.from('<html>').toString('base64')}`, join(dir, 'e'))).rejects.toBeInstanceOf(ProviderError)
    expect(readdirSync(dir)).toStrictEqual(['d.png'])
  })
})

describe('GeneratedImage.saveFile', () => {
  it('streams a client URL image from the trusted provider origin and reports path, size and type', async () => {
    const image = bigPng(3 * 1024 * 1024)
    const server = await localServer(chunked64(image))
    const { client } = fakeClient([fakePlugin(async () => ({ images: [{ url: `${server.origin}/files/a`, mimeType: 'image/webp' }] }), { defaultBaseUrl: server.origin })])
    const generated = (await client.generateImage({ model: 'one', prompt: 'cat' })).first()!
    const dir = freshDir()
    const saved = await generated.saveFile(join(dir, 'cat'))
    // The bytes win over the provider's word for the extension and the type.
    expect(saved).toStrictEqual({ path: join(dir, 'cat.png'), bytes: image.length, mimeType: 'image/png' })
    expect(sha(readFileSync(saved.path))).toBe(sha(image))
    expect(await generated.save(join(dir, 'again'))).toBe(join(dir, 'again.png'))
  })

  it('writes base64 images whole, with no temporary file left', async () => {
    const dir = freshDir()
    const saved = await GeneratedImage.from_b64(PNG.toString('base64')).saveFile(join(dir, 'b'))
    expect(saved).toStrictEqual({ path: join(dir, 'b.png'), bytes: PNG.length, mimeType: 'image/png' })
    expect(readdirSync(dir)).toStrictEqual(['b.png'])
  })
})
