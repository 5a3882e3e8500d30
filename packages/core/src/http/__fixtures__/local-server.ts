import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LookupFunction } from '../ip-guard.js'

/** A 1x1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

/** A real HTTP server on 127.0.0.1, as the emulator and a hostile image host are. */
export interface LocalServer {
  origin: string
  port: number
  /** Requests received. */
  readonly hits: string[]
  /** TCP connections accepted (a refused download opens none). */
  readonly connections: number
}

const open: { close(): void }[] = []

/** Closes every server (and its sockets) started since the last call; for `afterEach`. */
export function closeLocalServers(): void {
  for (const s of open.splice(0)) s.close()
}

/** Starts a server on a free port of 127.0.0.1 that answers with `handler` (default: {@link PNG}). */
export async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end(PNG)): Promise<LocalServer> {
  const state = { hits: [] as string[], connections: 0 }
  const server = createServer((req, res) => {
    state.hits.push(req.url ?? '')
    handler(req, res)
  })
  server.on('connection', (socket) => {
    state.connections++
    open.push({ close: () => socket.destroy() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  open.push({ close: () => server.close() })
  const port = (server.address() as AddressInfo).port
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get hits() {
      return state.hits
    },
    get connections() {
      return state.connections
    },
  }
}

/** Answers `body` in `chunkBytes` writes with no content-length, so a cap is met while reading. */
export const chunked =
  (body: Buffer, chunkBytes = 1024) =>
  (_req: IncomingMessage, res: ServerResponse): void => {
    for (let at = 0; at < body.length; at += chunkBytes) res.write(body.subarray(at, at + chunkBytes))
    res.end()
  }

/** A DNS answer chosen by the test. */
export const resolvesTo =
  (...addresses: string[]): LookupFunction =>
  (_host, options, callback) =>
    options.all ? callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))) : callback(null, addresses[0]!, 4)
