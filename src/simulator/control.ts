import { maskCredential } from "./billing.js";
import { InvalidSimulatorInput, parseClaimRequest } from "./schema.js";
import type { Simulator } from "./server.js";
import type { RecordedRequest, ResponseScript } from "./types.js";

/**
 * The control interface, for tests and demos that run the simulator as a separate process. Its prefix
 * cannot collide with the API (`/v1/…`) nor with anything Claude Code calls. All bodies are JSON.
 *
 * | request | does | answers |
 * |---|---|---|
 * | `GET  /_simulator/state` | — | {@link Simulator.state} |
 * | `GET  /_simulator/requests` | — | recorded requests, credentials in headers masked |
 * | `POST /_simulator/configure` | body: partial settings | the new state |
 * | `POST /_simulator/enqueue` | body: a script or an array of scripts | `{ "queued": n }` |
 * | `POST /_simulator/limit/lift` | {@link Simulator.liftLimit} | the new state |
 * | `POST /_simulator/limit/trigger` | body (optional): `{ "claim": "seven_day" }` | the new state |
 *
 * Invalid input gets 400 with an Anthropic-style `invalid_request_error`; unknown paths 404.
 */
export const CONTROL_PREFIX = "/_simulator/";

export interface ControlAnswer {
  status: number;
  body: unknown;
}

const CREDENTIAL_HEADERS = new Set(["authorization", "x-api-key"]);

function maskHeaders(headers: RecordedRequest["headers"]): RecordedRequest["headers"] {
  const masked: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    masked[name] =
      CREDENTIAL_HEADERS.has(name) && typeof value === "string"
        ? value.replace(
            /^(Bearer\s+)?(.*)$/i,
            (_, scheme = "", secret: string) => scheme + maskCredential(secret),
          )
        : value;
  }
  return masked;
}

function controlError(status: number, type: string, message: string): ControlAnswer {
  return { status, body: { type: "error", error: { type, message } } };
}

function jsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new InvalidSimulatorInput("the body is not JSON");
  }
}

function route(
  simulator: Simulator,
  method: string,
  command: string,
  raw: Buffer,
): ControlAnswer | undefined {
  switch (`${method} ${command}`) {
    case "GET state":
      return { status: 200, body: simulator.state() };
    case "GET requests":
      return {
        status: 200,
        body: simulator.requests.map((request) => ({ ...request, headers: maskHeaders(request.headers) })),
      };
    case "POST configure":
      simulator.configure(jsonBody(raw) as object);
      return { status: 200, body: simulator.state() };
    case "POST enqueue": {
      const body = jsonBody(raw);
      const scripts = (Array.isArray(body) ? body : [body]) as ResponseScript[];
      simulator.enqueue(...scripts);
      return { status: 200, body: { queued: scripts.length } };
    }
    case "POST limit/lift":
      simulator.liftLimit();
      return { status: 200, body: simulator.state() };
    case "POST limit/trigger":
      simulator.triggerLimit(parseClaimRequest(jsonBody(raw)).claim);
      return { status: 200, body: simulator.state() };
    default:
      return undefined;
  }
}

export function handleControl(
  simulator: Simulator,
  method: string,
  path: string,
  raw: Buffer,
): ControlAnswer {
  try {
    const answer = route(simulator, method, path.slice(CONTROL_PREFIX.length), raw);
    return answer ?? controlError(404, "not_found_error", `no control endpoint ${method} ${path}`);
  } catch (error) {
    if (error instanceof InvalidSimulatorInput)
      return controlError(400, "invalid_request_error", error.message);
    throw error;
  }
}
