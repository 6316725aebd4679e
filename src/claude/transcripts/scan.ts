import { closeSync, type Dirent, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { type TokenUsage, tokenUsageFromApi } from "../../pricing/token-usage.js";
import { candidateConfigDirs, claudeConfigDirs } from "../config-dir.js";

/**
 * Claude Code's own transcripts (SPEC §7, `usage --subscription`): the assistant responses it
 * wrote under `<config dir>/projects/**\/*.jsonl`, read as a stream and deduplicated, so that the
 * subscription's usage can be priced at API rates.
 *
 * Where (the same rules as ccusage 18): `$CLAUDE_CONFIG_DIR`, a comma-separated list of config
 * directories, when set and not blank; otherwise both `$XDG_CONFIG_HOME/claude` (default
 * `~/.config/claude`, newer Claude Code) and `~/.claude`. Only directories that have a `projects/`
 * subdirectory are used; the same directory named twice is read once. Every `*.jsonl` below
 * `projects/` is read (sub-agent transcripts live in sub-folders of a session).
 *
 * What counts: top-level `"type":"assistant"` records with a `message.usage` object and a valid
 * `timestamp`. Claude Code writes one record per content block while it streams a response, all
 * with the same `message.id` and `requestId`; they are one API request and only the LAST record
 * (in file order; files in path order) is kept, because the later ones carry the final output
 * token count. A record without either id cannot be matched and counts on its own. Records of the
 * model `<synthetic>` (messages Claude Code made up itself, e.g. API error notices) were never
 * billed and are left out. Lines that are not JSON, or records of the wrong shape, are skipped and
 * counted, never fatal.
 *
 * Speed: files are read in 4 MiB chunks with synchronous reads (the CLI does nothing else
 * meanwhile), lines that do not contain `"type":"assistant"` are never decoded or parsed (Claude
 * Code writes compact `JSON.stringify` output, and inside a JSON string a quote is always escaped,
 * so the bytes can only occur as a real key/value pair), and only candidate lines are parsed.
 */

export interface TranscriptEntry {
  /** Epoch ms of the kept record's `timestamp`. */
  at: number;
  /** `message.model`; null when absent. */
  model: string | null;
  /** `sessionId`; null when absent. */
  sessionId: string | null;
  /** `cwd`: the directory Claude Code ran in (the project); null when absent or empty. */
  cwd: string | null;
  usage: TokenUsage;
}

export interface TranscriptScan {
  /** Config directories read (absolute), in order. */
  configDirs: string[];
  /** Directories that were looked at (whether or not they exist), for messages. */
  searched: string[];
  /** Number of `.jsonl` files read. */
  files: number;
  /** Total size of those files in bytes. */
  bytes: number;
  /** Assistant records with usage that were read (duplicates and synthetic ones included). */
  records: number;
  /** Records dropped because a later record of the same message id + request id replaced them. */
  duplicates: number;
  /** `<synthetic>` model records, not billed. */
  synthetic: number;
  /** Candidate lines that were not valid JSON or not a usable assistant record. */
  skipped: number;
  /** Records without a message id or request id (counted individually, not deduplicated). */
  withoutIds: number;
  /** Records of requests billed to the API key (their request id is in the ledger): not subscription use. */
  apiBilled: number;
  /** Files, and folders (ending in `/`), that could not be read: their requests are not counted. */
  unreadable: string[];
  /** One entry per billed request, in no particular order. */
  entries: TranscriptEntry[];
}

type Env = Record<string, string | undefined>;

/**
 * Every `*.jsonl` file below `dir`, recursively, sorted by path. A folder that cannot be read is
 * added to `unreadable` (a folder removed meanwhile holds nothing to count).
 */
export function listTranscriptFiles(dir: string, unreadable: string[] = []): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    let items: Dirent[];
    try {
      items = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      if (!isGone(error)) unreadable.push(`${folder}/`);
      return;
    }
    for (const item of items) {
      const path = join(folder, item.name);
      if (item.isDirectory()) walk(path);
      else if (item.isFile() && item.name.endsWith(".jsonl")) files.push(path);
    }
  };
  walk(dir);
  return files.sort();
}

const NEWLINE = 0x0a;
const MARKER = Buffer.from('"type":"assistant"');
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Calls `onLine` with the text of each line of `file` that contains {@link MARKER}, reading the
 * file in chunks. Lines are decoded as latin1: every field we read is ASCII, and JSON.parse accepts
 * the other bytes inside strings whatever their decoding. Returns the file's size in bytes.
 */
export function scanCandidateLines(file: string, onLine: (line: string) => void): number {
  const fd = openSync(file, "r");
  let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let filled = 0;
  let total = 0;
  try {
    for (;;) {
      if (filled === buffer.length) {
        // One line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      const eof = read === 0;
      filled += read;
      total += read;
      // Complete lines end at the last newline, or at the end of the file.
      const end = eof ? filled : buffer.lastIndexOf(NEWLINE, filled - 1) + 1;
      let pos = 0;
      while (pos < end) {
        const hit = buffer.indexOf(MARKER, pos);
        if (hit === -1 || hit >= end) break;
        const lineStart = hit === 0 ? 0 : Math.max(pos, buffer.lastIndexOf(NEWLINE, hit - 1) + 1);
        let lineEnd = buffer.indexOf(NEWLINE, hit);
        if (lineEnd === -1 || lineEnd >= end) lineEnd = end;
        onLine(buffer.toString("latin1", lineStart, lineEnd));
        pos = lineEnd + 1;
      }
      if (eof) break;
      // Keep the incomplete last line for the next read.
      buffer.copyWithin(0, end, filled);
      filled -= end;
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

/** "could not read <path>; fix: …", for an entry of {@link TranscriptScan.unreadable}. */
export function unreadableTranscriptText(path: string): string {
  const mode = path.endsWith("/") ? "u+rx" : "u+r";
  return `could not read ${path}; fix: let your user read it (chmod ${mode} ${path})`;
}

function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ENOENT";
}

/** True when `path` may exist but we may not look (a folder on its way without search permission). */
function isClosed(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "EACCES" || code === "EPERM";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads the transcripts of the given config directories (see the module doc). */
export function scanTranscripts(
  configDirs: readonly string[],
  searched: readonly string[] = configDirs,
  apiRequestIds: ReadonlySet<string> = new Set(),
  options: { sinceMs?: number } = {},
) {
  const scan: TranscriptScan = {
    configDirs: [...configDirs],
    searched: [...searched],
    files: 0,
    bytes: 0,
    records: 0,
    duplicates: 0,
    synthetic: 0,
    skipped: 0,
    withoutIds: 0,
    apiBilled: 0,
    unreadable: [],
    entries: [],
  };
  const byId = new Map<string, TranscriptEntry | null>();
  const loose: TranscriptEntry[] = [];

  const onLine = (line: string): void => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      scan.skipped++;
      return;
    }
    if (!isRecord(record) || record.type !== "assistant") {
      // The marker was nested (e.g. a sub-agent progress record): not a transcript response.
      if (!isRecord(record)) scan.skipped++;
      return;
    }
    const message = record.message;
    if (!isRecord(message) || !isRecord(message.usage)) {
      scan.skipped++;
      return;
    }
    const at = typeof record.timestamp === "string" ? Date.parse(record.timestamp) : Number.NaN;
    if (!Number.isFinite(at)) {
      scan.skipped++;
      return;
    }
    scan.records++;
    const model = typeof message.model === "string" && message.model !== "" ? message.model : null;
    const messageId = typeof message.id === "string" ? message.id : undefined;
    const requestId = typeof record.requestId === "string" ? record.requestId : undefined;
    // A turn continued on API billing is in the same transcript: the ledger says which requests those were.
    if (requestId !== undefined && apiRequestIds.has(requestId)) {
      scan.apiBilled++;
      return;
    }
    const key =
      messageId !== undefined && requestId !== undefined ? `${messageId}\u0000${requestId}` : undefined;
    // A synthetic record still takes part in deduplication, but is never billed.
    const entry: TranscriptEntry | null =
      model === "<synthetic>"
        ? null
        : {
            at,
            model,
            sessionId: typeof record.sessionId === "string" ? record.sessionId : null,
            cwd: typeof record.cwd === "string" && record.cwd !== "" ? record.cwd : null,
            usage: tokenUsageFromApi(message.usage),
          };
    if (entry === null) scan.synthetic++;
    if (key === undefined) {
      scan.withoutIds++;
      if (entry) loose.push(entry);
      return;
    }
    if (byId.has(key)) scan.duplicates++;
    // Map.set keeps the first insertion position but the last value: "keep the last record".
    byId.set(key, entry);
  };

  const since = options.sinceMs ?? Number.NEGATIVE_INFINITY;
  for (const dir of new Set(searched)) {
    // A config directory closed to us is not one without transcripts.
    if (!configDirs.includes(dir) && isClosed(join(dir, "projects"))) scan.unreadable.push(`${dir}/`);
  }
  for (const dir of configDirs) {
    for (const file of listTranscriptFiles(join(dir, "projects"), scan.unreadable)) {
      try {
        // A file last written before the window holds nothing in it (records are appended).
        if (statSync(file).mtimeMs < since) continue;
        scan.bytes += scanCandidateLines(file, onLine);
        scan.files++;
      } catch (error) {
        // Removed since it was listed: nothing to count. Anything else is said, never taken as empty.
        if (!isGone(error)) scan.unreadable.push(file);
      }
    }
  }
  for (const entry of byId.values()) if (entry) scan.entries.push(entry);
  for (const entry of loose) scan.entries.push(entry);
  return scan;
}

/** Finds the config directories from `env` and reads their transcripts. */
export function readClaudeTranscripts(
  env: Env = process.env,
  apiRequestIds: ReadonlySet<string> = new Set(),
  options: { sinceMs?: number } = {},
): TranscriptScan {
  return scanTranscripts(claudeConfigDirs(env), candidateConfigDirs(env), apiRequestIds, options);
}
