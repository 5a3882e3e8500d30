import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AbortError, DeliveryError, InvalidRequestError, NetworkError, ProviderError } from '../errors.js'
import { fakeClient, fakePlugin } from '../pipeline/__fixtures__/fake.js'
import { GeneratedImage } from '../response.js'
import { downloadImage } from './download.js'
import { chunked, closeLocalServers, type LocalServer, localServer, PNG, resolvesTo } from './__fixtures__/local-server.js'
import type { LookupFunction } from './ip-guard.js'

afterEach(closeLocalServers)

describe('downloadImage guard', () => {
  it('refuses a local http server unless it is the trusted origin or an allowed host', async () => {
    const server = await localServer()
    const url = `${server.origin}/a.png`
    await expect(downloadImage(url)).rejects.toThrow(InvalidRequestError)
    await expect(downloadImage(url, { guard: { allowHosts: ['127.0.0.1:1'] } })).rejects.toThrow(/only https URLs/)
    expect(server.connections).toBe(0)
    expect((await downloadImage(url, { guard: { trustedOrigins: [server.origin] } })).mimeType).toBe('image/png')
    expect((await downloadImage(url, { guard: { allowHosts: [`127.0.0.1:${server.port}`] } })).bytes).toStrictEqual(PNG)
    expect((await downloadImage(url, { guard: { allowHosts: ['127.0.0.1'] } })).bytes).toStrictEqual(PNG)
    expect(server.hits).toHaveLength(3)
  })

  it('refuses loopback, private, link-local, CGNAT, multicast and unspecified literals in every spelling, before the network', async () => {
    const server = await localServer()
    const p = server.port
    for (const host of [
      `127.1:${p}`,
      `2130706433:${p}`,
      `0x7f.1:${p}`,
      `0177.0.0.1:${p}`,
      `[::1]:${p}`,
      `[::ffff:127.0.0.1]:${p}`,
      `[::ffff:7f00:1]:${p}`,
      '10.0.0.1',
      '192.168.0.10',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '0.0.0.0',
      '[fe80::1]',
      '[fc00::1]',
    ]) {
      const error = await downloadImage(`https://${host}/latest/meta-data`).catch((e: unknown) => e)
      expect(error, host).toBeInstanceOf(InvalidRequestError)
      expect((error as Error).message, host).toMatch(/Refusing to download .* is a (loopback|private|linkLocal|carrierGradeNat|multicast|unspecified|uniqueLocal) address/)
    }
    expect(server.connections).toBe(0)
  })

  it('refuses a hostname that resolves to a private address, checking the address the socket uses', async () => {
    const server = await localServer()
    for (const answer of [['127.0.0.1'], ['8.8.8.8', '10.0.0.7'], ['::ffff:127.0.0.1']]) {
      const lookups: string[] = []
      const lookup: LookupFunction = (host, options, callback) => {
        lookups.push(host)
        resolvesTo(...answer)(host, options, callback)
      }
      const error = await downloadImage(`https://images.attacker.test:${server.port}/a.png`, { guard: { lookup } }).catch((e: unknown) => e)
      expect(error, answer.join()).toBeInstanceOf(InvalidRequestError)
      expect((error as Error).message).toMatch(/resolves to .* non-public addresses/)
      expect(lookups).toStrictEqual(['images.attacker.test'])
    }
    expect(server.connections).toBe(0)
  })

  it('checks resolution once before the request when a caller dispatcher connects by itself', async () => {
    const error = await downloadImage('https://cdn.attacker.test/a.png', { guard: { lookup: resolvesTo('192.168.1.5'), customDispatcher: true } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
  })

  it('does not follow a redirect (to a private address or anywhere)', async () => {
    const inner = await localServer()
    const outer = await localServer((_req, res) => {
      res.writeHead(302, { location: `${inner.origin}/secret` })
      res.end()
    })
    const error = await downloadImage(`${outer.origin}/a.png`, { guard: { trustedOrigins: [outer.origin] } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).status).toBe(302)
    expect((error as NetworkError).retryable).toBe(false)
    expect((error as Error).message).toMatch(/redirects are not followed/)
    expect(inner.connections).toBe(0)
  })

  it('an over-cap body is not retryable', async () => {
    const server = await localServer(chunked(Buffer.alloc(8192)))
    const error = await downloadImage(`${server.origin}/big.png`, { guard: { trustedOrigins: [server.origin] }, maxBytes: 1024 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).retryable).toBe(false)
  })
})

describe('client downloads', () => {
  /** A URL-only fake provider whose configured base URL is the local server. */
  const onServer = (server: LocalServer, path = '/files/a.png') =>
    fakePlugin(async () => ({ images: [{ url: `${server.origin}${path}`, seed: 3 }], requestId: 'job-9' }), { defaultBaseUrl: server.origin })

  it('trusts the provider base URL origin: b64_json from a local http API works, bytes() and save() too', async () => {
    const server = await localServer()
    const { client } = fakeClient([onServer(server)])
    const b64 = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' })
    expect(b64.first()?.b64_json).toBe(PNG.toString('base64'))
    const url = await client.generateImage({ model: 'one', prompt: 'cat' })
    const image = url.first()!
    expect(await image.bytes()).toStrictEqual(PNG)
    expect(await image.with_revised_prompt('x').bytes()).toStrictEqual(PNG)
    const dir = mkdtempSync(join(tmpdir(), 'llmkit-dl-'))
    expect(readFileSync(await image.save(join(dir, 'cat')))).toStrictEqual(PNG)
    // The same URL outside the client is public https only.
    await expect(GeneratedImage.from_url(image.url!).bytes()).rejects.toThrow(/only https URLs/)
  })

  it('bytes() and save() of a URL that now serves HTML fail with a ProviderError, never return the page as an image', async () => {
    let page = false
    const server = await localServer((_req, res) => {
      if (page) res.writeHead(200, { 'content-type': 'image/png' }).end('<!doctype html><title>expired</title>')
      else res.end(PNG)
    })
    const { client } = fakeClient([onServer(server)])
    const image = (await client.generateImage({ model: 'one', prompt: 'cat' })).first()!
    page = true
    await expect(image.bytes()).rejects.toBeInstanceOf(ProviderError)
    await expect(image.bytes()).rejects.toThrow(/did not serve an image/)
    const dir = mkdtempSync(join(tmpdir(), 'llmkit-dl-'))
    await expect(image.save(join(dir, 'cat'))).rejects.toBeInstanceOf(ProviderError)
    expect(existsSync(join(dir, 'cat.png'))).toBe(false)
  })

  it('refuses provider URLs on another local origin (DeliveryError with the URL), unless allowed', async () => {
    const api = await localServer()
    const other = await localServer()
    const plugin = fakePlugin(async () => ({ images: [{ url: `${other.origin}/x.png` }], requestId: 'job-1' }), { defaultBaseUrl: api.origin })
    const { client } = fakeClient([plugin])
    const error = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect((error as DeliveryError).cause).toBeInstanceOf(InvalidRequestError)
    expect((error as DeliveryError).paid?.images[0]?.url).toBe(`${other.origin}/x.png`)
    expect(other.connections).toBe(0)
    expect(plugin.calls).toHaveLength(1)

    const { client: allowing } = fakeClient([fakePlugin(async () => ({ images: [{ url: `${other.origin}/x.png` }] }), { defaultBaseUrl: api.origin })], {
      downloads: { allowHosts: [`127.0.0.1:${other.port}`] },
    })
    expect((await allowing.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' })).first()?.b64_json).toBe(PNG.toString('base64'))
  })

  it('refuses a provider URL whose host resolves to a private address (client lookup option), with no connection made', async () => {
    const server = await localServer()
    const plugin = fakePlugin(async () => ({ images: [{ url: `https://cdn.provider.test:${server.port}/x.png` }], requestId: 'job-2' }))
    const { client } = fakeClient([plugin], { downloads: { lookup: resolvesTo('127.0.0.1') } })
    const error = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect((error as DeliveryError).message).toMatch(/resolves to 127\.0\.0\.1, a loopback address/)
    expect(server.connections).toBe(0)
    expect(plugin.calls).toHaveLength(1)
  })

  it('an abort during the download rejects with an AbortError that still names the paid URL', async () => {
    const server = await localServer(() => {}) // accepts the request and never answers
    const plugin = onServer(server)
    const { client } = fakeClient([plugin])
    const controller = new AbortController()
    const pending = client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' }, { signal: controller.signal }).catch((e: unknown) => e)
    while (server.hits.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort()
    const error = await pending
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).paid?.images[0]?.url).toBe(`${server.origin}/files/a.png`)
    expect((error as AbortError).paid?.requestId).toBe('job-9')
    expect(plugin.calls).toHaveLength(1)
  })

  it('an over-cap download is read once, never again, and the generation is not re-run', async () => {
    const server = await localServer(chunked(Buffer.concat([PNG, Buffer.alloc(8192)])))
    const plugin = onServer(server)
    const { client } = fakeClient([plugin], { downloads: { maxBytes: 2048 } })
    const error = await client.generateImage({ model: 'one', prompt: 'cat', format: 'b64_json' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect(server.hits).toHaveLength(1)
    expect(plugin.calls).toHaveLength(1)
  })
})
