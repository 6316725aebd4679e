/**
 * detect/ — PURE: the message table (data), reset-time parsing, classification of Claude Code's
 * lines, and the normalisation of the four limit sources of SPEC §5 into `LimitSignal`s.
 * No I/O, no clock: the caller passes the instant and the local zone.
 */
export {
  classifyLine,
  classifyText,
  type LineClassification,
  MAX_NOTICE_LENGTH,
  normalizeLine,
  strongest,
} from "./classify.js";
export {
  type LimitWindow,
  MESSAGE_TABLE,
  MESSAGE_TABLE_VERSION,
  type MessageEntry,
  type MessageKind,
  WINDOW_NAMES,
  windowForName,
} from "./messages.js";
export {
  DEFAULT_RESET_MS,
  defaultReset,
  parseResetTime,
  type ResetContext,
  type ResetTime,
} from "./reset-time.js";
export { ScreenScanner, type ScreenScannerOptions } from "./screen.js";
export {
  type DetectContext,
  fromStatusLine,
  fromStopFailure,
  fromTranscriptRecord,
  type LimitSignal,
  readInstant,
  type SignalSource,
  type StatusLineOptions,
  type StatusLineReading,
  signalFromClassification,
  type UtilisationSnapshot,
  type WindowName,
  type WindowUtilisation,
} from "./signals.js";
