import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The gateway's Prometheus metrics, in a registry of its own (two gateways in a process never clash). */
export interface GatewayMetrics {
  /** The registry `/metrics` serves. */
  readonly registry: Registry
  /** Requests by route, status and key id. */
  readonly requests: Counter<'route' | 'status' | 'key'>
  /** Latency by route and key id, in seconds. */
  readonly latency: Histogram<'route' | 'key'>
  /** Images delivered by key id, provider and model. */
  readonly images: Counter<'key' | 'provider' | 'model'>
  /** Spend in US dollars by key id and provider (from llmkit's `response.cost`). */
  readonly cost: Counter<'key' | 'provider'>
  /** Failed requests by error class (`LLMKIT_*` code or the gateway's own) and key id. */
  readonly errors: Counter<'class' | 'key'>
}

/** Creates the metrics (`llmkit_gateway_*`), with Node's default process metrics. */
export function createMetrics(): GatewayMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'llmkit_gateway_' })
  const registers = [registry]
  return {
    registry,
    requests: new Counter({ name: 'llmkit_gateway_requests_total', help: 'HTTP requests by route, status and gateway key id', labelNames: ['route', 'status', 'key'], registers }),
    latency: new Histogram({
      name: 'llmkit_gateway_request_duration_seconds',
      help: 'HTTP request latency by route and gateway key id',
      labelNames: ['route', 'key'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    images: new Counter({ name: 'llmkit_gateway_images_total', help: 'Images delivered by gateway key id, provider and model', labelNames: ['key', 'provider', 'model'], registers }),
    cost: new Counter({ name: 'llmkit_gateway_cost_usd_total', help: 'Spend in US dollars by gateway key id and provider', labelNames: ['key', 'provider'], registers }),
    errors: new Counter({ name: 'llmkit_gateway_errors_total', help: 'Failed requests by error class and gateway key id', labelNames: ['class', 'key'], registers }),
  }
}
