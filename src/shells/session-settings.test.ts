import { describe, expect, test } from "vitest";
import { SessionSettings } from "./session-settings.js";

const ask = (settings: SessionSettings, id: string, request: Record<string, unknown>, success = true) => {
  settings.asked(id, { type: "control_request", request_id: id, request });
  settings.answered(id, success);
};

describe("what the program set on claude, for a restarted claude", () => {
  test("each setting's last, in the order taken; thinking's fields left out keep the earlier ones; flag settings all, in order", () => {
    const settings = new SessionSettings();
    ask(settings, "1", { subtype: "set_model", model: "claude-opus-4-5" });
    ask(settings, "2", { subtype: "set_max_thinking_tokens", max_thinking_tokens: 8000 });
    ask(settings, "3", { subtype: "apply_flag_settings", settings: { a: 1 } });
    ask(settings, "4", { subtype: "set_max_thinking_tokens", thinking_display: "omitted" });
    ask(settings, "5", { subtype: "apply_flag_settings", settings: { b: 2 } });
    ask(settings, "6", { subtype: "set_model", model: "claude-haiku-4-5" });
    ask(settings, "7", { subtype: "set_permission_mode", mode: "bypassPermissions" }, false);
    ask(settings, "8", { subtype: "interrupt" });
    expect(settings.forLaunch(null)).toEqual([
      { subtype: "apply_flag_settings", settings: { a: 1 } },
      { subtype: "set_max_thinking_tokens", max_thinking_tokens: 8000, thinking_display: "omitted" },
      { subtype: "apply_flag_settings", settings: { b: 2 } },
      { subtype: "set_model", model: "claude-haiku-4-5" },
    ]);
  });

  test("MCP servers the program set and toggled, every request in order; the accent colour's last", () => {
    const settings = new SessionSettings();
    const servers = (names: string[]) => ({
      subtype: "mcp_set_servers",
      servers: Object.fromEntries(
        names.map((name) => [name, { type: "http", url: `http://127.0.0.1/${name}` }]),
      ),
    });
    ask(settings, "1", servers(["docs"]));
    ask(settings, "2", { subtype: "set_color", color: "blue" });
    ask(settings, "3", { subtype: "mcp_toggle", serverName: "docs", enabled: false });
    ask(settings, "4", servers(["docs", "search"]));
    ask(settings, "5", { subtype: "set_color", color: "green" });
    ask(settings, "6", { subtype: "mcp_toggle", serverName: "search", enabled: false }, false);
    ask(settings, "7", { subtype: "mcp_status" });
    expect(settings.forLaunch(null)).toEqual([
      servers(["docs"]),
      { subtype: "mcp_toggle", serverName: "docs", enabled: false },
      servers(["docs", "search"]),
      { subtype: "set_color", color: "green" },
    ]);
  });

  test("a request never answered is not taken; one answered later is", () => {
    const settings = new SessionSettings();
    settings.asked("1", {
      type: "control_request",
      request: { subtype: "set_permission_mode", mode: "plan" },
    });
    expect(settings.forLaunch(null)).toEqual([]);
    settings.answered("1", true);
    expect(settings.forLaunch(null)).toEqual([{ subtype: "set_permission_mode", mode: "plan" }]);
  });

  test("a model of ours wins over an earlier set_model, not over a later one; with ours gone the program's comes back", () => {
    const settings = new SessionSettings();
    const opus = { subtype: "set_model", model: "claude-opus-4-5" };
    ask(settings, "1", opus);
    // A per-model limit: on with sonnet, then on to API billing still on it.
    expect(settings.forLaunch("sonnet")).toEqual([]);
    expect(settings.forLaunch("sonnet")).toEqual([]);
    // The per-model limit's reset: the program's own choice again.
    expect(settings.forLaunch(null)).toEqual([opus]);
    expect(settings.forLaunch("sonnet")).toEqual([]);
    const haiku = { subtype: "set_model", model: "claude-haiku-4-5" };
    ask(settings, "2", haiku);
    expect(settings.forLaunch("sonnet")).toEqual([haiku]);
  });
});
