// Synthetic Claude Code histories with known structure, for bench/forecast's backtest. Seeded and
// deterministic; generated here, not real data. Each is a list of priced request events, the
// engine's input shape ({ at, model, costNanoUsd, usage, project, sessionId }).
//
// How a session is simulated (the same for every history; only the schedule, models and task
// sizes differ between histories):
// - It starts with Claude Code's system prompt and tools in the context (18–24k tokens).
// - The user sends a prompt; Claude works through a turn of 1 + geometric(mean 6) requests, each
//   answering (output: log-normal, median 250 tokens) and bringing a tool result back (new prompt
//   tokens: log-normal, median 1,200 × the task's size), 2–60 s apart (the answer streaming at
//   ~60 tokens/s plus the tool's run time).
// - Then the user reads and writes the next prompt: a pause, log-normal with a median of 90 s,
//   up to 25 minutes.
// - Every request reads the conversation so far from the prompt cache and writes its new part;
//   after a pause of more than 5 minutes the cache has expired and the whole context is written
//   again. Past 155k tokens Claude Code compacts: one summarising request, then ~28k of context.
import { DateTime } from "luxon";

/** mulberry32: a small, good-enough seeded generator. */
export function seeded(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return {
    next,
    chance: (p) => next() < p,
    between: (lo, hi) => lo + (hi - lo) * next(),
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
    geometric: (mean) => Math.floor(Math.log(Math.max(next(), 1e-12)) / Math.log(1 - 1 / (mean + 1))),
    pick: (weighted) => {
      let r = next() * weighted.reduce((sum, [, w]) => sum + w, 0);
      for (const [value, w] of weighted) {
        r -= w;
        if (r < 0) return value;
      }
      return weighted[0][0];
    },
  };
}

const MINUTE = 60_000;
const CACHE_TTL_MS = 5 * MINUTE;
const COMPACT_AT = 155_000;

/** One working session from `start` until `until` (epoch ms); pushes priced events into `out`. */
function simulateSession(rng, price, out, { start, until, model, project, sessionId, taskSize = 1 }) {
  let t = start;
  let context = Math.round(rng.between(18_000, 24_000));
  let lastAt = null;
  const sessionModel = model;
  const emit = (usage) => {
    out.push({
      at: Math.round(t),
      model: sessionModel,
      costNanoUsd: price(sessionModel, usage),
      usage,
      project,
      sessionId,
    });
    lastAt = t;
  };
  while (t < until) {
    const requests = 1 + rng.geometric(6);
    for (let r = 0; r < requests && t < until; r++) {
      const fresh = Math.min(40_000, Math.round(rng.logNormal(1_200 * taskSize, 1)));
      const output = Math.min(8_000, Math.round(rng.logNormal(250, 0.9)));
      const cold = lastAt === null || t - lastAt > CACHE_TTL_MS;
      emit({
        input_tokens: 3,
        output_tokens: output,
        cache_creation_5m_input_tokens: cold ? context + fresh : fresh,
        cache_creation_1h_input_tokens: 0,
        cache_read_input_tokens: cold ? 0 : context,
      });
      context += fresh + output;
      t += 2_000 + (output / 60) * 1000 + Math.min(50_000, rng.logNormal(4_000, 1));
      if (context > COMPACT_AT) {
        emit({
          input_tokens: 3,
          output_tokens: 3_000,
          cache_creation_5m_input_tokens: 0,
          cache_creation_1h_input_tokens: 0,
          cache_read_input_tokens: context,
        });
        context = Math.round(rng.between(24_000, 32_000));
        t += 40_000;
      }
    }
    t += Math.min(25 * MINUTE, rng.logNormal(90_000, 1));
  }
  return sessionModel;
}

const SONNET = "claude-sonnet-4-5-20250929";
const OPUS = "claude-opus-4-5-20251101";
const HAIKU = "claude-haiku-4-5-20251001";

function days(zone, firstDay, count) {
  const start = DateTime.fromISO(firstDay, { zone });
  return Array.from({ length: count }, (_, i) => start.plus({ days: i }));
}

/** Local `day` at `hours` (fractional) in its zone, epoch ms. */
function at(day, hours) {
  return day
    .startOf("day")
    .plus({ minutes: Math.round(hours * 60) })
    .toMillis();
}

/**
 * Steady work: 5 weeks of weekdays, 9:00–12:30 and 13:30–18:00 (± a quarter of an hour), one
 * project, Sonnet 4.5, every task of the same size distribution. Weekends off.
 */
export function steady(price) {
  const rng = seeded(101);
  const zone = "Europe/Paris";
  const out = [];
  for (const day of days(zone, "2026-09-07", 35)) {
    if (day.weekday >= 6) continue;
    for (const [from, to] of [
      [9, 12.5],
      [13.5, 18],
    ]) {
      simulateSession(rng, price, out, {
        start: at(day, from + rng.between(-0.25, 0.25)),
        until: at(day, to + rng.between(-0.25, 0.25)),
        model: SONNET,
        project: "/home/dev/shop",
        sessionId: `s-${day.toISODate()}-${from}`,
      });
    }
  }
  return { name: "steady", zone, events: out };
}

/**
 * Bursty: 5 weeks, a day with no work 3 times in 10; otherwise 1–4 sessions starting anywhere from
 * 8:00 to 23:00, 45 minutes long at the median (log-normal, up to 4 h), each on a model of its own
 * (Opus 4.5 35 %, Sonnet 4.5 55 %, Haiku 4.5 10 %), in one of four projects, with task sizes that
 * vary five-fold.
 */
export function bursty(price) {
  const rng = seeded(202);
  const zone = "America/Los_Angeles";
  const out = [];
  const projects = ["/Users/dev/api", "/Users/dev/web", "/Users/dev/infra", "/Users/dev/notes"];
  for (const day of days(zone, "2026-09-07", 35)) {
    if (rng.chance(0.3)) continue;
    const sessions = 1 + Math.floor(rng.between(0, 4));
    for (let s = 0; s < sessions; s++) {
      const start = at(day, rng.between(8, 23));
      simulateSession(rng, price, out, {
        start,
        until: start + Math.min(240, rng.logNormal(45, 0.8)) * MINUTE,
        model: rng.pick([
          [OPUS, 35],
          [SONNET, 55],
          [HAIKU, 10],
        ]),
        project: projects[Math.floor(rng.between(0, projects.length))],
        sessionId: `b-${day.toISODate()}-${s}`,
        taskSize: rng.logNormal(1, 0.7),
      });
    }
  }
  out.sort((a, b) => a.at - b.at);
  return { name: "bursty", zone, events: out };
}

/**
 * A daily rhythm over six weeks in New York, across the end of daylight saving time (1 Nov 2026):
 * weekday mornings 9:30–12:00 (9 days in 10), afternoons 13:30–17:30 (85 %), evenings 20:30–22:30
 * (40 %); a Saturday morning 10:00–12:00 one week in three, a Sunday evening one in five. Sonnet
 * 4.5; the day's task size varies (log-normal, σ 0.3).
 */
export function rhythm(price) {
  const rng = seeded(303);
  const zone = "America/New_York";
  const out = [];
  for (const day of days(zone, "2026-10-05", 42)) {
    const blocks =
      day.weekday <= 5
        ? [
            [9.5, 12, 0.9],
            [13.5, 17.5, 0.85],
            [20.5, 22.5, 0.4],
          ]
        : day.weekday === 6
          ? [[10, 12, 0.35]]
          : [[20, 22, 0.2]];
    const taskSize = rng.logNormal(1, 0.3);
    for (const [from, to, p] of blocks) {
      if (!rng.chance(p)) continue;
      simulateSession(rng, price, out, {
        start: at(day, from + rng.between(-0.2, 0.2)),
        until: at(day, to + rng.between(-0.2, 0.2)),
        model: SONNET,
        project: "/home/dev/app",
        sessionId: `r-${day.toISODate()}-${from}`,
        taskSize,
      });
    }
  }
  return { name: "daily rhythm", zone, events: out };
}

/**
 * Model changes: 5 weeks of weekdays in Tokyo, 10:00–12:30 and 13:30–19:00, switching between Opus
 * 4.5 and Sonnet 4.5 every 2–5 working days (at the start of a block, as `/model` would).
 */
export function modelChanges(price) {
  const rng = seeded(404);
  const zone = "Asia/Tokyo";
  const out = [];
  let model = SONNET;
  let daysLeft = 3;
  for (const day of days(zone, "2026-09-07", 35)) {
    if (day.weekday >= 6) continue;
    const blocks = [
      [10, 12.5],
      [13.5, 19],
    ];
    for (const [index, [from, to]] of blocks.entries()) {
      if (index === 1 && daysLeft <= 0) {
        model = model === SONNET ? OPUS : SONNET;
        daysLeft = 2 + Math.floor(rng.between(0, 4));
      }
      simulateSession(rng, price, out, {
        start: at(day, from + rng.between(-0.25, 0.25)),
        until: at(day, to + rng.between(-0.25, 0.25)),
        model,
        project: "/home/dev/ml",
        sessionId: `m-${day.toISODate()}-${from}`,
      });
    }
    daysLeft--;
  }
  return { name: "model changes", zone, events: out };
}

export const HISTORIES = [steady, bursty, rhythm, modelChanges];
