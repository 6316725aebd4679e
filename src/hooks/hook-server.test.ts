import { Agent, request } from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import type { HookEvent } from "./hook-events.js";
import { type HookServer, type HookServerOptions, hookUrl, startHookServer } from "./hook-server.js";

interface Reply {
  status: number;
  body: string;
  socket: Socket;
}

function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? "POST", headers: options.headers, agent: options.agent ?? false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, socket: socket! }));
      },
    );
    let socket: Socket | undefined;
    req.on("socket", (s) => {
      socket = s;
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A promise with its resolver, for waiting on events without sleeping. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const servers: HookServer[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Partial<HookServerOptions> = {}) {
  const events: HookEvent[] = [];
  const waiters: (() => void)[] = [];
  const server = await startHookServer({
    onHook: (event) => {
      events.push(event);
      for (const waiter of waiters.splice(0)) waiter();
    },
    ...options,
  });
  servers.push(server);
  const nextEvents = async (count: number) => {
    while (events.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return events;
  };
  const auth = { Authorization: `Bearer ${server.secret}`, "content-type": "application/json" };
  return { server, events, nextEvents, auth };
}

const stopBody = {
  session_id: "0b7c0a6e-1111-4222-8333-944445555666",
  transcript_path: "/home/u/.claude/projects/-w/0b7c0a6e.jsonl",
  cwd: "/w",
  hook_event_name: "Stop",
  prompt_id: "p-1",
  stop_hook_active: false,
  last_assistant_message: "Done.",
};

describe("hook server", () => {
  test("listens on loopback only, with a fresh secret per server", async () => {
    const { server } = await start();
    const other = (await start()).server;
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.secret).toMatch(/^cf-hook-[A-Za-z0-9_-]{40,}$/);
    expect(other.secret).not.toBe(server.secret);
    expect(hookUrl(server.url, "Stop")).toBe(`${server.url}/hook/Stop`);
  });

  test("an authorised hook is answered 200 {} and delivered typed", async () => {
    const { server, nextEvents, auth } = await start();
    const reply = await send(hookUrl(server.url, "Stop"), { headers: auth, body: JSON.stringify(stopBody) });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("{}");
    const [event] = await nextEvents(1);
    expect(event).toEqual({
      name: "Stop",
      sessionId: stopBody.session_id,
      transcriptPath: stopBody.transcript_path,
      cwd: "/w",
      promptId: "p-1",
      lastAssistantMessage: "Done.",
      raw: stopBody,
    });
  });

  test("every http hook event has its path; StopFailure carries the error and the limit text", async () => {
    const { server, nextEvents, auth } = await start();
    const bodies = {
      UserPromptSubmit: { session_id: "s", hook_event_name: "UserPromptSubmit", prompt: "hello" },
      StopFailure: {
        session_id: "s",
        hook_event_name: "StopFailure",
        error: "rate_limit",
        last_assistant_message: "You've hit your 5-hour limit · resets 3:47am (UTC)",
      },
      Stop: { session_id: "s", hook_event_name: "Stop", last_assistant_message: "Done." },
    };
    for (const [name, body] of Object.entries(bodies)) {
      const reply = await send(`${server.url}/hook/${name}`, { headers: auth, body: JSON.stringify(body) });
      expect(reply.status).toBe(200);
    }
    const events = await nextEvents(3);
    expect(events.map((event) => event.name)).toEqual(["UserPromptSubmit", "StopFailure", "Stop"]);
    expect(events[0]).toMatchObject({ prompt: "hello" });
    expect(events[1]).toMatchObject({
      error: "rate_limit",
      lastAssistantMessage: "You've hit your 5-hour limit · resets 3:47am (UTC)",
    });
    expect(events[2]).toMatchObject({ lastAssistantMessage: "Done." });
  });

  test("a wrong, missing or malformed secret gets 401 and nothing is delivered", async () => {
    const { server, events, nextEvents, auth } = await start();
    const url = hookUrl(server.url, "Stop");
    const body = JSON.stringify(stopBody);
    const wrong: Record<string, string>[] = [
      {},
      { Authorization: "Bearer nope" },
      { Authorization: `Bearer ${server.secret}x` },
      { Authorization: `Bearer ${server.secret.slice(0, -1)}` },
      { Authorization: server.secret },
      { Authorization: `Basic ${server.secret}` },
      { Authorization: "Bearer " },
    ];
    for (const headers of wrong) {
      const reply = await send(url, { headers, body });
      expect(reply.status, JSON.stringify(headers)).toBe(401);
    }
    // Delivery is in order: once this one arrives, none of the above was delivered.
    await send(url, { headers: auth, body: JSON.stringify({ ...stopBody, session_id: "ok" }) });
    await nextEvents(1);
    expect(events.map((event) => event.sessionId)).toEqual(["ok"]);
  });

  test("a non-loopback Host (DNS rebinding) or another port gets 403", async () => {
    const { server, auth } = await start();
    const url = hookUrl(server.url, "Stop");
    for (const host of ["evil.example", `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`]) {
      const reply = await send(url, { headers: { ...auth, Host: host }, body: "{}" });
      expect(reply.status, host).toBe(403);
    }
    for (const host of [`localhost:${server.port}`, "127.0.0.1", `[::1]:${server.port}`]) {
      const reply = await send(url, { headers: { ...auth, Host: host }, body: JSON.stringify(stopBody) });
      expect(reply.status, host).toBe(200);
    }
  });

  test("anything else is 404: other paths, methods, and events that are not http hooks", async () => {
    const { server, auth } = await start();
    const cases: [string, string][] = [
      ["GET", "/hook/Stop"],
      ["PUT", "/hook/Stop"],
      ["POST", "/hook/SessionStart"],
      // Not injected: nothing of a run waits for the end of Claude's session, and Claude waits for the hook.
      ["POST", "/hook/SessionEnd"],
      ["POST", "/hook/PreToolUse"],
      ["POST", "/hook/Stop/extra"],
      ["POST", "/hook/stop"],
      ["POST", "/"],
      ["POST", "/v1/messages"],
    ];
    for (const [method, path] of cases) {
      const reply = await send(`${server.url}${path}`, { method, headers: auth, body: "{}" });
      expect(reply.status, `${method} ${path}`).toBe(404);
    }
  });

  test("a body that is not a JSON object gets 400", async () => {
    const { server, auth } = await start();
    for (const body of ["not json", "[1,2]", '"text"', "null", ""]) {
      const reply = await send(hookUrl(server.url, "Stop"), { headers: auth, body });
      expect(reply.status, body).toBe(400);
    }
  });

  test("a body over the bound is answered 200 and delivered truncated, with the fields of its head", async () => {
    const { server, nextEvents, auth } = await start({ maxBodyBytes: 1024 });
    const body = JSON.stringify({
      session_id: "big-session",
      transcript_path: "/t.jsonl",
      cwd: "/w",
      hook_event_name: "UserPromptSubmit",
      prompt: `a pasted log with "session_id":"fake" inside ${"x".repeat(200_000)}`,
    });
    const reply = await send(hookUrl(server.url, "UserPromptSubmit"), { headers: auth, body });
    expect(reply.status).toBe(200);
    const [event] = await nextEvents(1);
    expect(event).toMatchObject({
      name: "UserPromptSubmit",
      truncated: true,
      sessionId: "big-session",
      transcriptPath: "/t.jsonl",
      cwd: "/w",
    });
    expect(event && "prompt" in event).toBe(false);
  });

  test("beyond the drain limit the connection is dropped and nothing is delivered", async () => {
    const errors: Error[] = [];
    const { server, events, nextEvents, auth } = await start({
      maxBodyBytes: 1024,
      maxDrainBytes: 64 * 1024,
      onError: (error) => errors.push(error),
    });
    const huge = Buffer.alloc(1024 * 1024, "x");
    await send(hookUrl(server.url, "Stop"), { headers: auth, body: huge }).then(
      (reply) => expect(reply.status).toBe(413),
      (error: NodeJS.ErrnoException) => expect(error.code).toMatch(/ECONNRESET|EPIPE/),
    );
    await send(hookUrl(server.url, "Stop"), { headers: auth, body: JSON.stringify(stopBody) });
    await nextEvents(1);
    expect(events).toHaveLength(1);
    expect(errors.map((error) => error.message)).toEqual(["hook body larger than 65536 bytes"]);
  });

  test("Claude Code gets its answer before the wrapper's (slow) callback finishes", async () => {
    const gate = deferred();
    const started = deferred();
    let finished = false;
    const server = await startHookServer({
      onHook: async () => {
        started.resolve();
        await gate.promise;
        finished = true;
      },
    });
    servers.push(server);
    const reply = await send(hookUrl(server.url, "Stop"), {
      headers: { Authorization: `Bearer ${server.secret}` },
      body: JSON.stringify(stopBody),
    });
    expect(reply.status).toBe(200);
    await started.promise;
    expect(finished).toBe(false);
    gate.resolve();
  });

  test("a callback that throws or rejects is reported and the server keeps answering", async () => {
    const errors = deferred<Error[]>();
    const seen: Error[] = [];
    let calls = 0;
    const server = await startHookServer({
      onHook: (event) => {
        calls++;
        if (event.name === "Stop") throw new Error("sync boom");
        return Promise.reject(new Error("async boom"));
      },
      onError: (error) => {
        seen.push(error);
        if (seen.length === 2) errors.resolve(seen);
      },
    });
    servers.push(server);
    const headers = { Authorization: `Bearer ${server.secret}` };
    expect((await send(hookUrl(server.url, "Stop"), { headers, body: "{}" })).status).toBe(200);
    expect((await send(hookUrl(server.url, "UserPromptSubmit"), { headers, body: "{}" })).status).toBe(200);
    expect((await errors.promise).map((error) => error.message).sort()).toEqual(["async boom", "sync boom"]);
    expect(calls).toBe(2);
  });

  test("hooks on one kept-alive connection (as Claude Code sends them) all arrive, in order", async () => {
    const { server, nextEvents, auth } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const sockets = new Set<Socket>();
    const names = ["UserPromptSubmit", "Stop", "UserPromptSubmit", "StopFailure", "Stop"] as const;
    for (const [index, name] of names.entries()) {
      const reply = await send(hookUrl(server.url, name), {
        headers: auth,
        agent,
        body: JSON.stringify({ session_id: `s${index}` }),
      });
      expect(reply.status).toBe(200);
      sockets.add(reply.socket);
    }
    expect(sockets.size).toBe(1);
    const events = await nextEvents(names.length);
    expect(events.map((event) => `${event.name}:${event.sessionId}`)).toEqual(
      names.map((name, index) => `${name}:s${index}`),
    );
  });

  test("close() ends kept-alive connections too", async () => {
    const { server, auth } = await start();
    const agent = new Agent({ keepAlive: true });
    agents.push(agent);
    const reply = await send(hookUrl(server.url, "Stop"), { headers: auth, agent, body: "{}" });
    const socketClosed = new Promise((resolve) => reply.socket.once("close", resolve));
    await server.close();
    await socketClosed;
    await expect(send(hookUrl(server.url, "Stop"), { headers: auth, body: "{}" })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
