/**
 * The saturation search of `bench:qbft`, kept apart from the network so that it can be checked in-process:
 * the steps of offered load, when to stop, where the saturation and the knee are, what bound the network
 * there, and the SVG plot of throughput and p95 latency against offered load.
 *
 * Offered load is a window: the number of transactions kept in flight (a closed loop). Each step keeps a
 * larger window; the network answers with a throughput and a latency. A closed loop cannot overload the
 * node without bound (a fixed send rate above capacity fills the pool until the step ends and leaves a
 * backlog to the next step), so every step drains within seconds and the steps are independent.
 */

/** What one step measured. CPU figures are percent of one core (200 = two cores busy). */
export interface StepMeasure {
  /** Offered load: transactions kept in flight. */
  window: number;
  /** Transactions sent per second while sending. */
  sentTps: number;
  /** Transactions mined per second. */
  tps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Business operations per second (payments of a batch, trades of the locking flow), where there are. */
  completedPerSecond?: number;
  /** The validators' processes together (utime + stime from /proc/<pid>/stat). */
  validatorCpu: number;
  /** The benchmark's own process (process.cpuUsage()): JavaScript signs and sends on one thread. */
  generatorCpu: number;
  /** The generator ran out of calls signed ahead while it still had room in the window. */
  starved?: boolean;
  /** The whole machine (/proc/stat), other users included. */
  hostCpu: number;
  /** Gas used / block gas limit, mean and highest over the blocks that carried the step's transactions. */
  gasUsedRatio: { mean: number; max: number };
  /** The largest txpool_status seen on any validator while sending. */
  txpool: { pending: number; queued: number };
}

/** The limits the bound rule compares the measures with. */
export interface Limits {
  blockPeriodSeconds: number;
  /** Cores of the machine. */
  cores: number;
  /** --txpool.globalslots (executable) and --txpool.globalqueue (waiting for a nonce gap). */
  txpoolSlots: number;
  txpoolQueue: number;
}

/** Windows of the short (CI) and the full mode. */
export const MODES = {
  short: { seconds: 5, windows: [200, 800, 2400, 4800], pairs: 3 },
  full: { seconds: 8, windows: [100, 200, 400, 700, 1000, 1400, 2000, 2800, 4000, 5600], pairs: 6 },
} as const;
export type Mode = keyof typeof MODES;

/** Throughput must rise by more than this from the previous step, or the search stops (saturated). */
export const MIN_GAIN = 0.05;
/** The search stops once p95 latency passes this many block periods. */
export const MAX_P95_PERIODS = 3;
/** The knee: the first step whose p95 exceeds the first step's by this factor. */
export const KNEE_FACTOR = 1.25;

/** Why the search stopped after the last step measured, or undefined to go on. */
export function stopReason(steps: readonly StepMeasure[], blockPeriodSeconds: number): "saturated" | "latency" | undefined {
  const last = steps[steps.length - 1];
  if (!last) return undefined;
  if (last.p95Ms > MAX_P95_PERIODS * blockPeriodSeconds * 1000) return "latency";
  const previous = steps[steps.length - 2];
  if (previous && last.tps < previous.tps * (1 + MIN_GAIN)) return "saturated";
  return undefined;
}

/** Latency at a throughput, interpolated linearly between the two steps around it (the first step below it). */
export function latencyAt(steps: readonly StepMeasure[], tps: number): { p50Ms: number; p95Ms: number } {
  if (steps.length === 0) throw new Error("no steps measured");
  const i = steps.findIndex((s) => s.tps >= tps);
  if (i <= 0) {
    const s = steps[i === 0 ? 0 : steps.length - 1];
    return { p50Ms: s.p50Ms, p95Ms: s.p95Ms };
  }
  const [a, b] = [steps[i - 1], steps[i]];
  const f = b.tps === a.tps ? 1 : (tps - a.tps) / (b.tps - a.tps);
  return { p50Ms: Math.round(a.p50Ms + f * (b.p50Ms - a.p50Ms)), p95Ms: Math.round(a.p95Ms + f * (b.p95Ms - a.p95Ms)) };
}

/** The index of the knee (first step with p95 above KNEE_FACTOR times the first step's), or undefined. */
export function kneeIndex(steps: readonly StepMeasure[]): number | undefined {
  if (steps.length < 2) return undefined;
  const i = steps.findIndex((s, k) => k > 0 && s.p95Ms > KNEE_FACTOR * steps[0].p95Ms);
  return i < 0 ? undefined : i;
}

/** Thresholds of the bound rule. */
export const BOUND_RULE = {
  /** percent of one core: Node runs the generator's JavaScript on one thread */
  generatorCpu: 85,
  /** of the block gas limit, mean over the step's blocks */
  gas: 0.8,
  /** of the pool's slots */
  txpool: 0.9,
  /** percent of all cores of the machine */
  hostCpu: 90,
};

/**
 * What bound the network at a step, checked in this order (the first that holds):
 * 1. "load generator": the benchmark's own process used BOUND_RULE.generatorCpu percent of a core or more,
 *    or ran out of calls signed ahead (it offered less than the window);
 * 2. "block gas": blocks were BOUND_RULE.gas full or more on average;
 * 3. "txpool": pending or queued reached BOUND_RULE.txpool of the pool's slots;
 * 4. the machine was BOUND_RULE.hostCpu percent busy or more: "validator CPU" when the validators used at
 *    least half of what was busy, else "other processes' CPU" (the machine is shared);
 * 5. "latency": none of these, the p95 passed MAX_P95_PERIODS block periods first (queueing in the window);
 * 6. "unattributed": none of these, yet throughput stopped rising.
 * A search that ended with its last step while throughput still rose is "not reached" (see summarize).
 */
export function boundBy(step: StepMeasure, limits: Limits): "load generator" | "block gas" | "txpool" | "validator CPU" | "other processes' CPU" | "latency" | "unattributed" {
  if (step.generatorCpu >= BOUND_RULE.generatorCpu || step.starved) return "load generator";
  if (step.gasUsedRatio.mean >= BOUND_RULE.gas) return "block gas";
  if (step.txpool.pending >= BOUND_RULE.txpool * limits.txpoolSlots || step.txpool.queued >= BOUND_RULE.txpool * limits.txpoolQueue) return "txpool";
  if (step.hostCpu >= BOUND_RULE.hostCpu * limits.cores) return step.validatorCpu >= step.hostCpu / 2 ? "validator CPU" : "other processes' CPU";
  if (step.p95Ms > MAX_P95_PERIODS * limits.blockPeriodSeconds * 1000) return "latency";
  return "unattributed";
}

/** One workload's search summarised. */
export interface Saturation {
  /** Highest throughput of any step, and that step's window. */
  tps: number;
  window: number;
  /** Operations per second at that step, where the workload counts them. */
  completedPerSecond?: number;
  at50: { p50Ms: number; p95Ms: number };
  at90: { p50Ms: number; p95Ms: number };
  /** The window of the knee, or undefined if latency did not turn up. */
  kneeWindow?: number;
  /**
   * The bound rule at the last step (the one where more load brought no more throughput, or the latency
   * passed the cap); "not reached" when the steps ended before either.
   */
  boundBy: ReturnType<typeof boundBy> | "not reached";
  stoppedBy: "saturated" | "latency" | "last step";
}

export function summarize(steps: readonly StepMeasure[], limits: Limits): Saturation {
  if (steps.length === 0) throw new Error("no steps measured");
  const best = steps.reduce((a, b) => (b.tps > a.tps ? b : a));
  const knee = kneeIndex(steps);
  const stoppedBy = stopReason(steps, limits.blockPeriodSeconds) ?? "last step";
  return {
    tps: best.tps, window: best.window, completedPerSecond: best.completedPerSecond,
    at50: latencyAt(steps, 0.5 * best.tps), at90: latencyAt(steps, 0.9 * best.tps),
    kneeWindow: knee === undefined ? undefined : steps[knee].window,
    boundBy: stoppedBy === "last step" ? "not reached" : boundBy(steps[steps.length - 1], limits),
    stoppedBy,
  };
}

/**
 * One pair of back-to-back steps at one window: the baseline's throughput and the subject's, and the
 * validators' CPU (percent of one core, as StepMeasure.validatorCpu) during each.
 */
export interface Pair {
  baselineTps: number;
  subjectTps: number;
  baselineCpu: number;
  subjectCpu: number;
  /** Which of the two ran first (pairs alternate, so that a drift of the machine does not favour either). */
  first: "baseline" | "subject";
}

/**
 * The subject's throughput as a share of the baseline's over interleaved pairs: each pair's ratio, their
 * median and range; and the validators' CPU per transaction of the subject as a multiple of the
 * baseline's (its median), which does not depend on whether a step reached the machine's limit.
 */
export interface PairedRatio {
  ratios: number[];
  median: number;
  min: number;
  max: number;
  cpuPerTxRatios: number[];
  cpuPerTxMedian: number;
}

/** Validators' CPU milliseconds per transaction of a step: CPU in percent of one core over tx/s. */
export const cpuMsPerTx = (cpuPercent: number, tps: number) => (10 * cpuPercent) / tps;

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * The ratio of two workloads' saturation throughput, from pairs of steps run back to back at one window.
 * One search per workload compares steps minutes apart, and on a machine whose other load moves (the
 * validators share its cores with the load generator) that ratio moved from 0.47x to 0.89x between runs;
 * the median of alternating pairs compares each step with its neighbour.
 */
export function pairedRatio(pairs: readonly Pair[]): PairedRatio {
  if (pairs.length === 0) throw new Error("no pairs measured");
  const bad = pairs.find((p) => !(p.baselineTps > 0) || !(p.subjectTps > 0) || !(p.baselineCpu > 0) || !(p.subjectCpu > 0));
  if (bad) throw new Error(`a pair whose steps did not both move transactions with the validators busy: ${JSON.stringify(bad)}`);
  const ratios = pairs.map((p) => p.subjectTps / p.baselineTps);
  const cpuPerTxRatios = pairs.map((p) => cpuMsPerTx(p.subjectCpu, p.subjectTps) / cpuMsPerTx(p.baselineCpu, p.baselineTps));
  return { ratios, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), cpuPerTxRatios, cpuPerTxMedian: median(cpuPerTxRatios) };
}

/** CPU ticks (utime + stime, fields 14 and 15) of a /proc/<pid>/stat line; the command may hold spaces. */
export function procTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state): utime is field 14, stime field 15
  const [utime, stime] = [Number(rest[11]), Number(rest[12])];
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** Busy and total ticks of the machine from /proc/stat's first line (idle and iowait are not busy). */
export function hostTicks(stat: string): { busy: number; total: number } {
  const fields = stat.split("\n")[0].trim().split(/\s+/);
  if (fields[0] !== "cpu") throw new Error(`not /proc/stat: ${fields[0]}`);
  const n = fields.slice(1, 9).map(Number);
  const total = n.reduce((s, x) => s + x, 0);
  return { busy: total - n[3] - n[4], total };
}

/** One workload's curve in the plot. */
export interface Series {
  name: string;
  /** What the throughput counts ("tx/s" unless said, e.g. "payments/s"). */
  unit?: string;
  steps: readonly Pick<StepMeasure, "window" | "tps" | "p95Ms">[];
  kneeWindow?: number;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A round axis maximum at or above x (1, 2 or 5 times a power of ten). */
export function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= x)!;
}

/**
 * The plot: one panel per workload, offered load (window) on the x axis, throughput (solid, left axis,
 * tx/s) and p95 latency (dashed, right axis, seconds) against it, the knee marked, and a dotted line at
 * MAX_P95_PERIODS block periods.
 */
export function plotSvg(series: readonly Series[], title: string, blockPeriodSeconds: number): string {
  const [pw, ph, cols] = [440, 220, 2];
  const m = { left: 70, right: 60, top: 30, bottom: 35 };
  const rows = Math.ceil(series.length / cols);
  const width = cols * pw;
  const height = 56 + rows * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="10">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<text x="${width / 2}" y="38" text-anchor="middle">solid blue: throughput (left axis); dashed red: p95 latency (right axis, s); dotted red: ${MAX_P95_PERIODS} block periods; grey: the knee</text>`,
  ];
  const latencyCap = MAX_P95_PERIODS * blockPeriodSeconds;
  series.forEach((s, k) => {
    const ox = (k % cols) * pw;
    const oy = 56 + Math.floor(k / cols) * ph;
    const [x0, x1, y0, y1] = [ox + m.left, ox + pw - m.right, oy + ph - m.bottom, oy + m.top];
    const xMax = niceMax(Math.max(...s.steps.map((p) => p.window), 1));
    const tMax = niceMax(Math.max(...s.steps.map((p) => p.tps), 1));
    const lMax = niceMax(Math.max(...s.steps.map((p) => p.p95Ms / 1000), latencyCap));
    const X = (w: number) => (x0 + (w / xMax) * (x1 - x0)).toFixed(1);
    const YT = (t: number) => (y0 - (t / tMax) * (y0 - y1)).toFixed(1);
    const YL = (l: number) => (y0 - (l / lMax) * (y0 - y1)).toFixed(1);
    out.push(`<g>`, `<text x="${ox + pw / 2}" y="${oy + 16}" text-anchor="middle" font-size="11">${esc(s.name)}</text>`);
    out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#999"/>`);
    for (const f of [0, 0.5, 1]) {
      const [unitT, unitL] = f === 1 ? [` ${s.unit ?? "tx/s"}`, " s"] : ["", ""];
      out.push(`<text x="${x0 - 4}" y="${(y0 - f * (y0 - y1) + 3).toFixed(1)}" text-anchor="end" fill="#1f5fa8">${+(f * tMax).toFixed(1)}${esc(unitT)}</text>`);
      out.push(`<text x="${x1 + 4}" y="${(y0 - f * (y0 - y1) + 3).toFixed(1)}" fill="#c0392b">${+(f * lMax).toFixed(1)}${unitL}</text>`);
      out.push(`<text x="${(x0 + f * (x1 - x0)).toFixed(1)}" y="${y0 + 12}" text-anchor="middle">${Math.round(f * xMax)}</text>`);
    }
    out.push(`<text x="${(x0 + x1) / 2}" y="${y0 + 26}" text-anchor="middle">offered load: transactions in flight</text>`);
    out.push(`<line x1="${x0}" x2="${x1}" y1="${YL(latencyCap)}" y2="${YL(latencyCap)}" stroke="#c0392b" stroke-dasharray="1,3"/>`);
    const tput = s.steps.map((p) => `${X(p.window)},${YT(p.tps)}`).join(" ");
    const lat = s.steps.map((p) => `${X(p.window)},${YL(p.p95Ms / 1000)}`).join(" ");
    out.push(`<polyline class="tps" points="${tput}" fill="none" stroke="#1f5fa8" stroke-width="2"/>`);
    out.push(`<polyline class="p95" points="${lat}" fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5,3"/>`);
    for (const p of s.steps) out.push(`<circle cx="${X(p.window)}" cy="${YT(p.tps)}" r="2.5" fill="#1f5fa8"/>`);
    if (s.kneeWindow !== undefined) {
      out.push(`<line class="knee" x1="${X(s.kneeWindow)}" x2="${X(s.kneeWindow)}" y1="${y1}" y2="${y0}" stroke="#777" stroke-dasharray="3,3"/>`);
      out.push(`<text x="${X(s.kneeWindow)}" y="${y1 + 10}" text-anchor="middle" fill="#555">knee</text>`);
    }
    out.push(`</g>`);
  });
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}
