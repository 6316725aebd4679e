import type { IncomingHttpHeaders } from "node:http";
import type { BillingKind } from "./types.js";

export interface Credential {
  billing: BillingKind;
  secret: string;
}

const OAUTH_TOKEN_PREFIX = "sk-ant-oat";

function firstHeader(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  return single?.trim() || undefined;
}

/**
 * Reads the billing kind from the request's credentials. An `x-api-key` wins over `Authorization`:
 * a request that carries a key is billed to it.
 */
export function detectCredential(headers: IncomingHttpHeaders): Credential | undefined {
  const apiKey = firstHeader(headers["x-api-key"]);
  if (apiKey) return { billing: "api", secret: apiKey };
  const authorization = firstHeader(headers.authorization);
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) return undefined;
  return { billing: token.startsWith(OAUTH_TOKEN_PREFIX) ? "subscription" : "bearer", secret: token };
}

/** `sk-ant-…ab12`: enough to tell keys apart, never enough to use one. */
export function maskCredential(secret: string): string {
  if (secret.length < 16) return "…";
  const prefix = secret.startsWith("sk-ant-") ? "sk-ant-" : "";
  return `${prefix}…${secret.slice(-4)}`;
}
