import { request } from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import { type Gateway, listenGateway, type Pipeline } from "./listener.js";

const gateways: Gateway[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
});

/** One request; resolves with its status and body once the answer is read. */
function get(gateway: Gateway): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.url}/v1/models`, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (text: string) => {
        body += text;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function answering(log: string[]): Pipeline {
  return {
    handle: (_req, res) => {
      log.push("handled");
      res.end("served");
    },
    settle: async () => {
      log.push("settled");
    },
    finishWrites: () => log.push("writes finished"),
    close: async () => {
      log.push("closed");
    },
  };
}

describe("the gateway's socket", () => {
  test("listens before the pipeline exists; a request that comes first waits for it, then is served by it", async () => {
    const log: string[] = [];
    let release!: () => void;
    const made = new Promise<void>((resolve) => {
      release = resolve;
    });
    let asked!: () => void;
    const pipelineAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const gateway = await listenGateway({
      pipeline: async ({ port, secret }) => {
        log.push(`pipeline for ${port} ${secret}`);
        asked();
        await made;
        return answering(log);
      },
    });
    gateways.push(gateway);
    expect(gateway.url).toBe(`http://127.0.0.1:${gateway.port}`);
    expect(log).toEqual([]);

    let answered = false;
    const answer = get(gateway).finally(() => {
      answered = true;
    });
    await pipelineAsked;
    expect(log).toEqual([`pipeline for ${gateway.port} ${gateway.secret}`]);
    expect(answered).toBe(false);
    release();
    expect(await answer).toEqual({ status: 200, body: "served" });
    // One pipeline, whoever asks for it.
    await gateway.ready();
    expect(await get(gateway)).toEqual({ status: 200, body: "served" });
    expect(log.filter((line) => line.startsWith("pipeline"))).toHaveLength(1);
  });

  test("a pipeline that cannot be set up: each request is refused with the reason, never passed on", async () => {
    const gateway = await listenGateway({
      pipeline: async () => {
        throw new Error("no HTTP client");
      },
    });
    gateways.push(gateway);
    const answer = await get(gateway);
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({
      type: "error",
      error: { type: "api_error", message: "claude-fallback gateway: could not start: no HTTP client" },
    });
    await expect(gateway.ready()).rejects.toThrow("no HTTP client");
  });

  test("the close writes the queued rows before it cuts the connections, and closes the pipeline after", async () => {
    const log: string[] = [];
    const gateway = await listenGateway({ pipeline: async () => answering(log) });
    await gateway.ready();
    await gateway.close();
    await gateway.close();
    expect(log).toEqual(["settled", "writes finished", "closed"]);
  });
});
