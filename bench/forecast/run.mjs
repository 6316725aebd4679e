// bench/forecast: backtests the forecast engine (src/forecast, built into dist/) on histories with
// known structure — synthetic ones generated here (bench/forecast/histories.mjs, seeded) and the
// user's own Claude Code transcripts when there are any (read in place, where `usage --subscription`
// finds them; never copied anywhere; only the scores are printed). At many cut points (request
// times: the user is at work, as when a limit hits) it forecasts the next 2 h, 5 h, day and week
// from what came before, and compares with what came after. Prints a Markdown section.
// Usage: npm run build && node bench/forecast/run.mjs [--quick] [--cuts N] [--no-sweep] [--no-own]
//   --quick: 60 cut points per history instead of 250; --no-sweep: skip the half-life sweep;
//   --no-own: leave your own transcripts out.
import { existsSync } from "node:fs";
import { fmt, table } from "../lib/stats.mjs";
import { HISTORIES, seeded } from "./histories.mjs";

const args = process.argv.slice(2);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const QUICK = args.includes("--quick");
const CUTS = Number(argValue("--cuts") ?? (QUICK ? 60 : 250));
const SWEEP_CUTS = Math.max(20, Math.round(CUTS / 3));
const SWEEP = !args.includes("--no-sweep");
const dist = new URL("../../dist/", import.meta.url);
if (!existsSync(new URL("forecast/forecast.js", dist))) {
  console.error("bench/forecast: run `npm run build` first");
  process.exit(1);
}
const load = (path) => import(new URL(path, dist).href);
const { buildForecast } = await load("forecast/forecast.js");
const { buildTimeline, BUCKET_MS, BUCKETS_PER_HOUR } = await load("forecast/activity.js");
const { DEFAULT_HALF_LIFE_HOURS } = await load("forecast/pace.js");
const { eventsFromTranscripts } = await load("forecast/events.js");
const { createPricing, knownCostNanoUsd } = await load("pricing/pricing.js");
const { readClaudeTranscripts } = await load("claude/transcripts/scan.js");

const pricing = createPricing();
const price = (model, usage) => knownCostNanoUsd(pricing, model, usage);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HORIZONS = [
  ["2 h", 2 * HOUR],
  ["5 h", 5 * HOUR],
  ["day", DAY],
  ["week", 7 * DAY],
];
/** Cut points start after a week of history and end a week before the history does. */
const WARM_UP = 7 * DAY;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The history's costs as metered (events of unknown cost left out of the outcomes, as the engine does). */
function prepare(history) {
  const events = [...history.events].sort((a, b) => a.at - b.at);
  const known = events.filter((event) => event.costNanoUsd !== null);
  const prefix = [0];
  for (const event of known) prefix.push(prefix.at(-1) + event.costNanoUsd);
  const timeline = buildTimeline(known.map(({ at, costNanoUsd }) => ({ at, costNanoUsd })));
  return { ...history, events, known, prefix, timeline };
}

function lowerBound(sortedEvents, ms) {
  let lo = 0;
  let hi = sortedEvents.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedEvents[mid].at < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What was spent in [from, to), nano-dollars. */
function spentBetween(h, from, to) {
  return h.prefix[lowerBound(h.known, to)] - h.prefix[lowerBound(h.known, from)];
}

/** What the next `hours` of work (active time) after `from` cost: the forecast's own premise. */
function spentInNextWork(h, from, hours) {
  const { buckets } = h.timeline;
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (buckets[mid] < Math.floor(from / BUCKET_MS)) lo = mid + 1;
    else hi = mid;
  }
  const last = buckets[lo + Math.round(hours * BUCKETS_PER_HOUR) - 1];
  return last === undefined ? null : spentBetween(h, from, (last + 1) * BUCKET_MS);
}

function cutPoints(h, count, seed) {
  const first = h.known[0].at + WARM_UP;
  const last = h.known.at(-1).at - 7 * DAY;
  const eligible = h.known.filter((event) => event.at >= first && event.at <= last);
  const rng = seeded(seed);
  const picked = new Set();
  while (picked.size < Math.min(count, eligible.length)) picked.add(Math.floor(rng.next() * eligible.length));
  return [...picked].sort((a, b) => a - b).map((i) => eligible[i]);
}

/**
 * Forecasts at each cut and the outcomes: `wall` = spent in the next H of clock time; `work` =
 * spent in the next H hours of work (for the ≤ 5 h horizons, whose forecast assumes continuous work).
 */
function backtest(h, { cuts, halfLifeHours = DEFAULT_HALF_LIFE_HOURS, repriced = true, seed = 7 }) {
  const rows = [];
  const timings = [];
  for (const cut of cutPoints(h, cuts, seed)) {
    const previous = h.events[lowerBound(h.events, cut.at) - 1];
    for (const [label, horizon] of HORIZONS) {
      const started = performance.now();
      const forecast = buildForecast({
        now: cut.at,
        zone: h.zone,
        events: h.events,
        pricing,
        model: repriced ? previous.model : null,
        resetsAt: cut.at + horizon,
        halfLifeHours,
      });
      timings.push(performance.now() - started);
      const { usd, usd_p90 } = forecast.until_reset;
      const outcomes = { wall: spentBetween(h, cut.at, cut.at + horizon) / 1e9 };
      if (horizon <= 5 * HOUR)
        outcomes.work = (spentInNextWork(h, cut.at, horizon / HOUR) ?? Number.NaN) / 1e9;
      rows.push({ label, usd, usd_p90, ...outcomes });
    }
  }
  return { rows, timings };
}

/** Median absolute % error (outcomes > 0), share under the P90, median forecast / outcome. */
function score(rows, label, outcome) {
  const picked = rows.filter((row) => row.label === label && Number.isFinite(row[outcome]));
  const positive = picked.filter((row) => row[outcome] > 0);
  return {
    n: picked.length,
    zero: picked.length - positive.length,
    mape: 100 * median(positive.map((row) => Math.abs(row.usd - row[outcome]) / row[outcome])),
    covered: (100 * picked.filter((row) => row[outcome] <= row.usd_p90).length) / picked.length,
    bias: median(positive.map((row) => row.usd / row[outcome])),
    width: median(picked.filter((row) => row.usd > 0).map((row) => row.usd_p90 / row.usd)),
  };
}

const histories = HISTORIES.map((make) => prepare(make(price)));
const own = args.includes("--no-own") ? null : readClaudeTranscripts(process.env);
const ownEvents = own ? eventsFromTranscripts(own.entries, pricing) : [];
// Cut points need a week before them and a week after.
const ownSpan = ownEvents.reduce(
  (span, { at }) => ({ first: Math.min(span.first, at), last: Math.max(span.last, at) }),
  { first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY },
);
const ownUsable = ownEvents.length > 0 && ownSpan.last - ownSpan.first > 15 * DAY;
if (ownUsable)
  histories.push(
    prepare({
      name: "your transcripts",
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      events: ownEvents,
    }),
  );

const resultRows = [];
const allTimings = [];
const verdicts = [];
for (const h of histories) {
  const { rows, timings } = backtest(h, { cuts: CUTS });
  allTimings.push(...timings);
  for (const [label, horizon] of HORIZONS) {
    for (const outcome of horizon <= 5 * HOUR ? ["work", "wall"] : ["wall"]) {
      const s = score(rows, label, outcome);
      const steadyTarget = h.name === "steady" && (outcome === "work" || horizon > 5 * HOUR);
      const ok = (steadyTarget ? s.mape <= 25 : true) && s.covered >= 85;
      verdicts.push(ok);
      resultRows.push([
        h.name,
        label,
        outcome === "work" ? "next hours of work" : "clock time",
        s.n,
        s.zero,
        `${fmt(s.mape, 1)} %`,
        `${fmt(s.covered, 1)} %`,
        fmt(s.bias, 2),
        fmt(s.width, 2),
        steadyTarget ? "≤ 25 % error, ≥ 85 % under P90" : "≥ 85 % under P90",
        ok ? "yes" : "NO",
      ]);
    }
  }
  process.stderr.write(`bench/forecast: ${h.name} done\n`);
}

// The model-change history forecast at the observed mix instead of re-priced for the model in use.
const changes = histories.find((h) => h.name === "model changes");
const mix = backtest(changes, { cuts: CUTS, repriced: false });
const mixRows = HORIZONS.map(([label]) => {
  const outcome = HORIZONS.find(([name]) => name === label)[1] > 5 * HOUR ? "wall" : "work";
  const s = score(mix.rows, label, outcome);
  return [
    "model changes, observed mix",
    label,
    outcome === "work" ? "next hours of work" : "clock time",
    s.n,
    s.zero,
    `${fmt(s.mape, 1)} %`,
    `${fmt(s.covered, 1)} %`,
    fmt(s.bias, 2),
    fmt(s.width, 2),
  ];
});

const sweepLines = [];
if (SWEEP) {
  const halfLives = [1, 2, 3, 4, 6, 8, 12, 24];
  const sweepRows = [];
  // Per history and horizon: the default half-life's error above the best one's, in points.
  let worstGap = 0;
  for (const h of histories) {
    const errors = halfLives.map((halfLifeHours) => {
      const { rows } = backtest(h, { cuts: SWEEP_CUTS, halfLifeHours, seed: 11 });
      return HORIZONS.map(
        ([label, horizon]) => score(rows, label, horizon > 5 * HOUR ? "wall" : "work").mape,
      );
    });
    const chosen = errors[halfLives.indexOf(DEFAULT_HALF_LIFE_HOURS)];
    HORIZONS.forEach((_, i) => {
      if (chosen) worstGap = Math.max(worstGap, chosen[i] - Math.min(...errors.map((e) => e[i])));
    });
    sweepRows.push([h.name, ...errors.map((e) => e.map((error) => fmt(error, 0)).join(" / "))]);
    process.stderr.write(`bench/forecast: sweep ${h.name} done\n`);
  }
  sweepLines.push(
    "",
    `Half-life sweep (${SWEEP_CUTS} other cut points per history): median absolute % error for 2 h / 5 h (next hours of work) / day / week (clock time), by the pace's half-life in active hours. The engine's ${DEFAULT_HALF_LIFE_HOURS} h is at most ${fmt(worstGap, 1)} points worse than the best half-life of any history and horizon.`,
    "",
    table(["history", ...halfLives.map((n) => `${n} h`)], sweepRows),
  );
}

function ownNote() {
  if (ownUsable)
    return " Your own transcripts are scored as *your transcripts* (read in place; only these scores leave them).";
  if (!own) return " Your own transcripts were left out (--no-own).";
  if (ownEvents.length === 0)
    return ` No transcripts of your own were found (looked in ${own.searched.join(", ")}).`;
  return ` Your own transcripts span under 15 days (${ownEvents.length} requests): too short for a week before and after each cut point.`;
}

const describe = histories
  .map((h) => {
    const first = h.known[0].at;
    const last = h.known.at(-1).at;
    const dollars = h.prefix.at(-1) / 1e9;
    const hours = h.timeline.buckets.length / BUCKETS_PER_HOUR;
    return `${h.name} (${h.zone}): ${h.known.length.toLocaleString("en-US")} requests over ${fmt((last - first) / DAY, 0)} days, ${fmt(hours, 0)} active hours, $${fmt(dollars, 0)} at list prices ($${fmt(dollars / hours, 2)} per active hour)`;
  })
  .join("; ");

console.log(
  [
    "## Forecast backtest (`bench/forecast`)",
    "",
    `The forecast engine (src/forecast) run on histories with known structure: ${CUTS} cut points per history, each at a request time at least a week into the history (the user is at work, as when a limit hits), forecasting the next 2 h, 5 h, day and week from what came before, with the model in use at the cut; the outcome is what was spent after it. Histories (bench/forecast/histories.mjs, seeded, synthetic): ${describe}.${ownNote()}`,
    "",
    "The 2 h and 5 h forecasts assume work goes on the whole time (a reset within 5 hours), so they are scored against the next 2 or 5 hours *of work* (active time, as the engine defines it), and, for reference, against clock time, where breaks and the end of the day make the outcome smaller. The day and week forecasts use the daily rhythm (a weekly window's reset is days away) and are scored against clock time. Error: median of |forecast − outcome| / outcome over cuts whose outcome is > $0 (cuts with a $0 outcome are counted in *$0 outcomes*). Under P90: share of all cuts whose outcome was at most the forecast's P90. Bias: median forecast / outcome. P90 / forecast: the median width of the P90 over the expected figure.",
    "",
    table(
      [
        "history",
        "horizon",
        "outcome",
        "cuts",
        "$0 outcomes",
        "median error",
        "under P90",
        "bias",
        "P90 / forecast",
        "target",
        "ok",
      ],
      resultRows,
    ),
    "",
    "The model-change history again with the pace at the observed mix (no re-pricing for the model in use):",
    "",
    table(
      [
        "history",
        "horizon",
        "outcome",
        "cuts",
        "$0 outcomes",
        "median error",
        "under P90",
        "bias",
        "P90 / forecast",
      ],
      mixRows,
    ),
    ...sweepLines,
    "",
    `Time per forecast (one \`buildForecast\` call on up to 28 days of history): median ${fmt(median(allTimings), 1)} ms, max ${fmt(Math.max(...allTimings), 1)} ms.`,
    "",
    verdicts.every(Boolean) ? "All targets met." : "**Not every target met** (see the ok column).",
  ].join("\n"),
);
