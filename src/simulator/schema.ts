import * as z from "zod";
import type { ResponseScript, SimulatorSettings } from "./types.js";
import { FAULT_KINDS, LIMIT_CLAIMS } from "./types.js";

const count = z.number().int().nonnegative();

const usageSchema = z
  .object({
    inputTokens: count,
    outputTokens: count,
    cacheWrite5mTokens: count,
    cacheWrite1hTokens: count,
    cacheReadTokens: count,
    webSearchRequests: count,
  })
  .partial()
  .strict();

const settingsSchema = z
  .object({
    limitAfterRequests: count.nullable(),
    limitAfterTokens: count.nullable(),
    limitClaim: z.enum(LIMIT_CLAIMS),
    resetInSeconds: z.number().positive(),
    resetAt: z.number().nonnegative().nullable(),
    warnAtUtilization: z.number().gt(0).lte(1),
    responseModel: z.string().min(1).nullable(),
    usage: usageSchema,
    replyBytes: count.nullable(),
    replyDeltaBytes: z.number().int().positive().nullable(),
    requireApiKey: z.string().min(1).nullable(),
    rejectForeignThinkingSignatures: z.boolean(),
  })
  .partial()
  .strict();

const scriptSchema = z
  .object({
    billing: z.enum(["subscription", "api", "bearer"]),
    sessionId: z.string().min(1),
    fault: z.enum(FAULT_KINDS),
    dropAfterEvents: count,
    firstByteDelayMs: count,
    eventDelayMs: count,
    retryAfterSeconds: count,
    text: z.string(),
    replyBytes: count,
    toolUse: z.object({ name: z.string().min(1), input: z.record(z.string(), z.unknown()) }).strict(),
    usage: usageSchema,
    responseModel: z.string().min(1),
  })
  .partial()
  .strict();

const claimSchema = z
  .object({ claim: z.enum(LIMIT_CLAIMS) })
  .partial()
  .strict();

/** A validation failure, as one line naming each bad field. */
export class InvalidSimulatorInput extends Error {
  override name = "InvalidSimulatorInput";
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
  );
  throw new InvalidSimulatorInput(`invalid ${what}: ${problems.join("; ")}`);
}

/** Keys given as `undefined` are left out, so they keep their current value. */
export function parseSettingsPatch(value: unknown): Partial<SimulatorSettings> {
  const patch = parse(settingsSchema, value, "simulator settings");
  return Object.fromEntries(Object.entries(patch).filter(([, setting]) => setting !== undefined));
}

export const parseScript = (value: unknown): ResponseScript => parse(scriptSchema, value, "response script");

export const parseClaimRequest = (value: unknown) => parse(claimSchema, value, "limit trigger");
