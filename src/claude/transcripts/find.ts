/**
 * Where Claude Code keeps a session's transcript: `<config dir>/projects/<project slug>/<session
 * id>.jsonl`, in any of its config directories (`config-dir.ts`), the slug being the working
 * directory with every character other than a-z, A-Z, 0-9 replaced by `-`.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { projectsRoots } from "../config-dir.js";

type Env = Record<string, string | undefined>;

/** Claude Code shortens longer slugs (and adds a hash we do not reproduce): matched by prefix. */
const MAX_SLUG_LENGTH = 200;

export function projectSlug(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, "-");
}

/** The project directories that may hold the transcripts of a `claude` running in `cwd`. */
export function projectDirsFor(cwd: string, env: Env): string[] {
  const slug = projectSlug(cwd);
  return projectsRoots(env).flatMap((root) => {
    if (slug.length <= MAX_SLUG_LENGTH) return [join(root, slug)];
    const prefix = slug.slice(0, MAX_SLUG_LENGTH);
    return listDir(root)
      .filter((name) => name.startsWith(prefix))
      .map((name) => join(root, name));
  });
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface TranscriptFile {
  path: string;
  sessionId: string;
  /** Last modification, epoch ms. */
  mtimeMs: number;
}

/** The `.jsonl` transcripts directly in a project directory (subagent files live deeper). */
export function listTranscripts(dir: string): TranscriptFile[] {
  const files: TranscriptFile[] = [];
  for (const name of listDir(dir)) {
    if (!name.endsWith(".jsonl")) continue;
    const path = join(dir, name);
    try {
      const stat = statSync(path);
      if (stat.isFile()) files.push({ path, sessionId: basename(name, ".jsonl"), mtimeMs: stat.mtimeMs });
    } catch {
      // Removed while listing.
    }
  }
  return files;
}

/**
 * The transcript a `claude` started at `startedAt` in one of `dirs` is writing: the most recently
 * modified one modified at or after its start (a `/clear` or `/resume` moves it to another file,
 * so callers ask again as it runs). Null until it has written one.
 */
export function currentTranscript(dirs: string[], startedAt: number): TranscriptFile | null {
  let best: TranscriptFile | null = null;
  // mtime and the start instant have different precisions (ticks, seconds): allow a second.
  for (const file of dirs.flatMap(listTranscripts)) {
    if (file.mtimeMs < startedAt - 1000) continue;
    if (!best || file.mtimeMs > best.mtimeMs) best = file;
  }
  return best;
}

/** The transcript of a session id, in any project directory; null when there is none. */
export function findSessionTranscript(sessionId: string, env: Env): TranscriptFile | null {
  if (!/^[A-Za-z0-9._-]+$/.test(sessionId)) return null;
  let best: TranscriptFile | null = null;
  for (const path of projectsRoots(env).flatMap((root) =>
    listDir(root).map((name) => join(root, name, `${sessionId}.jsonl`)),
  )) {
    try {
      const stat = statSync(path);
      if (!stat.isFile()) continue;
      if (!best || stat.mtimeMs > best.mtimeMs) best = { path, sessionId, mtimeMs: stat.mtimeMs };
    } catch {
      // Not in this project.
    }
  }
  return best;
}
