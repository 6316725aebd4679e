/**
 * The local endpoints of a wrapped run (the metering gateway, the hook server) and the upstream
 * checks share one notion of "loopback". Their per-run secrets are `run-secret.ts`'s (apart, so
 * that the config's checks, which every command loads, do not load node:crypto).
 */

/** 127.0.0.0/8, `localhost` (and `*.localhost`, RFC 6761) and `[::1]` / `::1`. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.trim().toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || host === "::1") return true;
  const octets = host.split(".");
  return (
    octets.length === 4 &&
    octets[0] === "127" &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
  );
}

/**
 * A request's `Host` must name the server by a loopback host (and its own port when one is given),
 * so a web page cannot reach it through DNS rebinding.
 */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const [, name, portText] = match;
  if (portText !== undefined && Number(portText) !== port) return false;
  return name !== undefined && isLoopbackHostname(name);
}
