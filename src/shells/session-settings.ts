/**
 * What the program has set on claude since it started (the model, the permission mode, thinking,
 * flag settings, MCP servers, the accent colour): a restarted claude starts from its launch
 * arguments, so unless these are told again the conversation goes on, unseen, on the launch model
 * and its permissions, without the servers the program added (SPEC §12).
 */

type Message = Record<string, unknown>;

/** Control requests whose effect lasts for the rest of the session: of each kind, the last holds. */
const SETTINGS = new Set(["set_model", "set_permission_mode", "set_max_thinking_tokens", "set_color"]);

/**
 * Control requests each of which builds on the ones before (flag settings merge; MCP servers are
 * replaced, then toggled by name): every one, in the order claude took them.
 */
const SEQUENCES = new Set(["apply_flag_settings", "mcp_set_servers", "mcp_toggle"]);

function requestOf(message: Message | null): Message | null {
  const request = message?.request;
  return typeof request === "object" && request !== null ? (request as Message) : null;
}

export class SessionSettings {
  /** In the order claude took them: each setting's last, and every request of a sequence. */
  private taken: Message[] = [];
  /** The model of ours the running claude was started with (a per-model limit's free model), or null. */
  private ourModel: string | null = null;
  /** That model of ours was chosen after the program's last set_model, so it wins. */
  private modelOverridden = false;

  /** Setting requests the program sent that claude has not answered yet, by request id. */
  private readonly asking = new Map<string, Message>();

  /** The program sent claude a control request. */
  asked(id: string, message: Message | null): void {
    const request = requestOf(message);
    const subtype = request?.subtype;
    if (request && typeof subtype === "string" && (SETTINGS.has(subtype) || SEQUENCES.has(subtype))) {
      this.asking.set(id, request);
    }
  }

  /** Claude answered request `id`; with success, what it set holds from now on. */
  answered(id: string, success: boolean): void {
    const request = this.asking.get(id);
    this.asking.delete(id);
    if (!request || !success) return;
    const subtype = String(request.subtype);
    if (SEQUENCES.has(subtype)) {
      this.taken.push(request);
      return;
    }
    const earlier = this.taken.find((taken) => taken.subtype === subtype);
    this.taken = this.taken.filter((taken) => taken !== earlier);
    // A field left out of set_max_thinking_tokens leaves that part as it was: the earlier one's stays.
    this.taken.push(subtype === "set_max_thinking_tokens" && earlier ? { ...earlier, ...request } : request);
    if (subtype === "set_model") this.modelOverridden = false;
  }

  /**
   * The requests (`request` objects) to tell a claude started with `ourModel` (null: none of ours,
   * the launch arguments' model). A model of ours newly chosen wins over the program's set_model
   * before it (going back to the limited model would meet the limit again); a set_model after it
   * is the program's new choice; and once ours is gone (the per-model limit's reset), the
   * program's own choice comes back.
   */
  forLaunch(ourModel: string | null): Message[] {
    if (ourModel === null) this.modelOverridden = false;
    else if (ourModel !== this.ourModel) this.modelOverridden = true;
    this.ourModel = ourModel;
    return this.taken.filter((request) => !(this.modelOverridden && request.subtype === "set_model"));
  }
}
