import { PNG } from 'pngjs'

/** A real PNG of the given size; `alpha` writes RGBA with the top-left quarter transparent. */
export function png(width: number, height: number, options: { alpha?: boolean; fill?: number } = {}): Uint8Array {
  const alpha = options.alpha === true
  const image = new PNG({ width, height, colorType: alpha ? 6 : 2, inputHasAlpha: true })
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4
      image.data[o] = options.fill ?? (x * 7) % 256
      image.data[o + 1] = (y * 5) % 256
      image.data[o + 2] = 90
      image.data[o + 3] = alpha && x < width / 2 && y < height / 2 ? 0 : 255
    }
  }
  return new Uint8Array(PNG.sync.write(image, { colorType: alpha ? 6 : 2 }))
}

/** The smallest JPEG whose size can be read: SOI, a JFIF APP0 segment, a baseline SOF0 frame header, EOI. */
export function jpeg(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]
  return new Uint8Array([0xff, 0xd8, ...app0, 0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9])
}

/** A WebP header with a VP8X chunk (extended format); `alpha` sets its alpha flag. */
export function webp(width: number, height: number, options: { alpha?: boolean } = {}): Uint8Array {
  const bytes = new Uint8Array(30)
  bytes.set([0x52, 0x49, 0x46, 0x46], 0)
  new DataView(bytes.buffer).setUint32(4, 22, true)
  bytes.set([0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x58], 8)
  new DataView(bytes.buffer).setUint32(16, 10, true)
  bytes[20] = options.alpha === true ? 0x10 : 0
  const w = width - 1
  const h = height - 1
  bytes.set([w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff], 24)
  return bytes
}
