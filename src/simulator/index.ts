/**
 * A small, faithful Anthropic Messages API for tests, demos and benchmarks (SPEC §9).
 * See {@link startSimulator}; the HTTP control interface is documented in `control.ts`.
 */
export { maskCredential } from "./billing.js";
export { CONTROL_PREFIX } from "./control.js";
export { FAULT_SPEC_SYNTAX, parseFaultSpec } from "./fault-spec.js";
export { DEFAULT_SETTINGS, type Simulator, type SimulatorState, startSimulator } from "./server.js";
export type { LimitSnapshot } from "./subscription-limit.js";
export type {
  BillingKind,
  FaultKind,
  LimitClaim,
  RecordedRequest,
  RequestLogEntry,
  ResponseScript,
  SimulatorOptions,
  SimulatorSettings,
  UnifiedStatus,
  UsageNumbers,
} from "./types.js";
export { FAULT_KINDS, LIMIT_CLAIMS } from "./types.js";
