/**
 * The gateway forwards only origin-form request targets (`/v1/messages?beta=true`) to its one
 * configured upstream. Anything that could steer the request elsewhere or out of the API's
 * path space — absolute-form, `//host`, dot segments (also percent-encoded), backslashes —
 * is refused before any upstream is contacted.
 */
export type TargetCheck = { ok: true; pathAndQuery: string } | { ok: false; reason: string };

export function checkRequestTarget(target: string | undefined): TargetCheck {
  if (!target?.startsWith("/")) return { ok: false, reason: "request target must be a path" };
  if (target.startsWith("//")) return { ok: false, reason: "request target must not name a host" };
  const queryAt = target.indexOf("?");
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return { ok: false, reason: "request path is not valid percent-encoding" };
  }
  if (decoded.includes("\\") || decoded.includes("\0")) {
    return { ok: false, reason: "request path contains a forbidden character" };
  }
  if (decoded.split("/").some((segment) => segment === ".." || segment === ".")) {
    return { ok: false, reason: "request path must not contain dot segments" };
  }
  if (decoded.startsWith("//")) return { ok: false, reason: "request target must not name a host" };
  return { ok: true, pathAndQuery: target };
}

/**
 * The path to ask the upstream for: its base URL's path (a prefix such as `/anthropic`, without
 * trailing slashes) and the origin-form target, which is passed on as it came.
 */
export function upstreamPath(upstream: URL, pathAndQuery: string): string {
  return `${upstream.pathname.replace(/\/+$/, "")}${pathAndQuery}`;
}
