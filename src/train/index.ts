/** Training pieces: optimizers, gradient clipping, learning-rate schedules and checkpoints. */
export {
  Optimizer, Sgd, Adam, AdamW, makeOptimizer, namedParams,
  defaultSgdConfig, defaultAdamConfig, defaultAdamWConfig,
  type SgdConfig, type AdamConfig, type OptimizerKind, type OptimizerState, type ParamState, type ParamSource,
} from './optim.js';
export { clipGradNorm, type ClipOptions } from './clip.js';
export {
  lrAt, makeSchedule, applySchedule, resolveScheduleConfig, defaultScheduleConfig, decays, SCHEDULE_KINDS,
  type ScheduleConfig, type ScheduleKind,
} from './schedule.js';
export { serializeSafetensors, parseSafetensors, type StoredArray, type SafetensorsFile } from './safetensors.js';
export { saveModelBytes, loadModelBytes, saveOptimizerBytes, loadOptimizerBytes, OPTIMIZER_METADATA } from './checkpoint.js';
