/**
 * An OpenAI-compatible image gateway over llmkit: any OpenAI client, in any language, reaches
 * every installed llmkit provider through one endpoint that holds the provider keys, the
 * per-key limits and the budgets.
 *
 * @example
 * ```ts
 * import { createGateway } from '@llmkit/gateway'
 *
 * // Clients send `Authorization: Bearer <one of LLMKIT_GATEWAY_KEYS>`.
 * const gateway = await createGateway({ config: { port: 8787 } })
 * console.log(await gateway.listen()) // http://127.0.0.1:8787
 * ```
 * @packageDocumentation
 */
export { createGateway, MIN_GATEWAY_KEY_LENGTH, type Gateway, type GatewayOptions, type LogDestination } from './server.js'
export {
  gatewayConfigSchema,
  redisKeyRecordSchema,
  parseGatewayConfig,
  loadGatewayConfig,
  GatewayConfigError,
  DEFAULT_GATEWAY_CONFIG,
  type GatewayConfig,
  type GatewayConfigInput,
  type KeyPolicy,
} from './config.js'
export { KeyRing, hashGatewayKey, bearerToken, parseEnvKeys, modelAllowed, type GatewayKey, type KeyLookup } from './keys.js'
export { mapError, gatewayError, ERROR_MAP, type OpenAIErrorBody, type MappedError } from './errors.js'
export { generationBodySchema, toGenerationRequest, defaultResponseFormat, type GenerationBody, type RequestLimits, type ResponseFormat } from './openai-request.js'
export { SignedImageStore, type StoredImage } from './image-store.js'
export { createMetrics, type GatewayMetrics } from './metrics.js'
export { ClientPool, type ClientPoolOptions, type GatewayClientOptions } from './clients.js'
export { readUploadForm, toEditRequest, toVariationRequest, MAX_UPLOAD_IMAGES, type UploadForm, type UploadRequest } from './multipart.js'
