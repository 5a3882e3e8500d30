export { readRequests, checkRequest, type ReadRequestsOptions, type ReadRequestsResult, type BadLine, type BadLinePolicy } from './requests.js'
export {
  MANIFEST_FILE,
  manifestPath,
  type ManifestLine,
  type ManifestImage,
  type ManifestError,
} from './manifest.js'
export { runItem, itemKey, releaseDeadIntents, IMAGES_DIR, type ItemInput } from './item.js'
export { runBatch, defaultBatchId, localJournalPath, STATE_DIR, type RunBatchOptions, type RunBatchResult, type RunProgress } from './run-local.js'
export {
  submitBatch,
  batchStatus,
  cancelBatch,
  resumeBatch,
  type SubmitBatchOptions,
  type SubmitBatchResult,
  type BatchStatus,
  type BatchState,
  type BatchJobData,
} from './queue.js'
export { startWorker, DEFAULT_WORKER_OPTIONS, type StartWorkerOptions, type BatchWorker } from './worker.js'
export { startFleetWorker, type StartFleetWorkerOptions, type FleetWorker } from './fleet-worker.js'
export { QUEUE_NAME, DEFAULT_PREFIX, jobIdOf, type BatchConnection, type BatchRedisOptions } from './redis-keys.js'
