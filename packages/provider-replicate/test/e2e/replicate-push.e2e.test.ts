import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AbortError, LLMKitClient, pendingCancellations } from '@llmkit/core'
import { describe, expect, inject, it } from 'vitest'
import { fromReplicateOutput, replicate, verifyReplicateWebhook } from '../../src/index.js'

interface LogEntry {
  seq: number
  method: string
  path: string
  submission: boolean
  status?: number
}

async function log(): Promise<LogEntry[]> {
  const res = await fetch(`${inject('emulatorUrl')}/__emulator/log`)
  return ((await res.json()) as { entries: LogEntry[] }).entries
}

const kinds = (entries: LogEntry[]) => entries.map((e) => `${e.method} ${e.path.replace(/predictions\/[a-z2-7]{26}/, 'predictions/:id')}`)
const CREATE = 'POST /replicate/v1/models/black-forest-labs/flux-schnell/predictions'

describe('Replicate push channels through the emulator', () => {
  it('Prefer: wait: a prediction that finishes within the wait comes back from the create, with no status request', async () => {
    const from = (await log()).at(-1)?.seq ?? 0
    const response = await new LLMKitClient({ providers: [replicate()] }).generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'held lighthouse' })
    expect(response.count).toBe(1)
    const seen = kinds((await log()).filter((e) => e.seq > from && !e.path.startsWith('/files/')))
    expect(seen).toStrictEqual([CREATE])
  })

  it('an abort during the held create returns at once; the prediction it names is cancelled in the background', async () => {
    const from = (await log()).at(-1)?.seq ?? 0
    const controller = new AbortController()
    const pending = new LLMKitClient({ providers: [replicate({ waitSeconds: 1 })] })
      .generateImage({ model: 'black-forest-labs/flux-schnell', prompt: 'abandoned lighthouse emulator:never' }, { signal: controller.signal })
      .catch((e: unknown) => e)
    setTimeout(() => controller.abort(), 100)
    expect(await pending).toBeInstanceOf(AbortError)
    await pendingCancellations()
    const seen = kinds((await log()).filter((e) => e.seq > from))
    expect(seen).toStrictEqual([CREATE, 'POST /replicate/v1/predictions/:id/cancel'])
  })

  it('posts the prediction to the webhook with a signature that verifies with the account secret', async () => {
    const deliveries: { headers: IncomingHttpHeaders; body: string }[] = []
    let completed: () => void = () => {}
    const done = new Promise<void>((resolve) => (completed = resolve))
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        deliveries.push({ headers: req.headers, body })
        res.end()
        if ((JSON.parse(body) as { status: string }).status === 'succeeded') completed()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/replicate-hook`
      const response = await new LLMKitClient({ providers: [replicate({ webhook: { url: hook, events: ['completed'] }, waitSeconds: false })] }).generateImage({
        model: 'black-forest-labs/flux-schnell',
        prompt: 'webhook lighthouse',
      })
      await done
      expect(deliveries).toHaveLength(1)
      const secretRes = await fetch(`${process.env['REPLICATE_BASE_URL']}/webhooks/default/secret`, { headers: { authorization: `Bearer ${process.env['REPLICATE_API_TOKEN']}` } })
      const { key } = (await secretRes.json()) as { key: string }
      const check = verifyReplicateWebhook(deliveries[0]!, { secret: key })
      if (!check.ok) throw new Error(check.reason)
      expect(check.prediction.id).toBe(response.requestIds[0])
      // A server can complete the call from the delivery alone.
      expect(fromReplicateOutput(check.prediction, Date.now(), undefined)?.images).toHaveLength(1)
      expect(verifyReplicateWebhook({ ...deliveries[0]!, body: deliveries[0]!.body.replace('succeeded', 'failed') }, { secret: key }).ok).toBe(false)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
