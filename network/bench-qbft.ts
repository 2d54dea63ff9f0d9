import "@nomicfoundation/hardhat-ethers/internal/type-extensions";
import type { BaseContract, ContractEventName } from "ethers";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { CHAIN_ID, BLOCK_PERIOD_SECONDS, GAS_LIMIT, nodeKeys, TXPOOL, VALIDATORS } from "./genesis";
import { Call, drive, LoadResult, rpcOne, Workload } from "./load";
import { runMain } from "./main";
import { rpcUrl, running, withNetwork } from "./node";
import { cpuMsPerTx, hostTicks, Limits, Mode, MODES, Pair, PairedRatio, pairedRatio, plotSvg, procTicks, Saturation, StepMeasure, stopReason, summarize } from "./saturation";

/**
 * `npm run bench:qbft [-- --mode short|full] [--seconds N] [--windows 100,200,...] [--participants 40]
 * [--only TEXT] [--pairs N] [--plot FILE.svg] [--json]`: the saturation of the running 4-validator QBFT network (started,
 * and stopped again, if it is not running), from many onboarded participants signing locally. In one run and
 * on one network it searches, for each workload, the load where throughput stops rising: plain value
 * transfers and plain OpenZeppelin ERC-20 transfers (the baselines), deposit-token `transferWithReference`,
 * netted batches of 100 signed payments (`settlePaymentBatch`), DvP `settleSigned`, PvP `settleSigned` (EUR
 * against USD, both legs deposit tokens) and the DvP locking flow (propose, then both parties fund). Each
 * step keeps a larger window of transactions in flight (network/saturation.ts says why a window and how the
 * search stops); every step records what could bind: the validators' CPU, the machine's, the load
 * generator's own, block gas against the limit and the transaction pool. Then the deposit token's throughput
 * as a share of plain ERC-20's is measured again, from `--pairs` pairs of steps of the two run back to back
 * at the larger of their saturation windows (alternating which runs first), and given as the median and
 * range of the pairs' ratios (network/saturation.ts, pairedRatio, says why). Prints the steps and a table, or
 * one JSON object with every step with `--json`; `--plot` writes throughput and p95 latency against offered
 * load as SVG.
 */
interface Options {
  /** Run only the workloads whose name contains this text (the baselines are always run). */
  only?: string;
  mode: Mode;
  /** Seconds of sending per step. */
  seconds: number;
  /** Offered load of each step: transactions in flight. */
  windows: number[];
  participants: number;
  /** Interleaved pairs of ERC-20 and deposit-token steps for their ratio (0: none). */
  pairs: number;
  plot?: string;
  json: boolean;
}

const USAGE = "options: --mode short|full, --seconds N, --windows N,N,..., --participants N, --only TEXT, --pairs N, --plot FILE.svg, --json";

export function options(argv: string[]): Options {
  let mode: Mode = "short";
  let seconds: number | undefined;
  let windows: number[] | undefined;
  let pairs: number | undefined;
  const result: Omit<Options, "mode" | "seconds" | "windows" | "pairs"> = { participants: 40, json: false };
  const whole = (arg: string, text: string | undefined) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${arg} "${text ?? ""}": expected a positive whole number`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") result.json = true;
    else if (arg === "--only") result.only = argv[++i] ?? "";
    else if (arg === "--mode") {
      const value = argv[++i] ?? "";
      if (!(value in MODES)) throw new Error(`--mode "${value}": expected short or full`);
      mode = value as Mode;
    } else if (arg === "--seconds") seconds = whole(arg, argv[++i]);
    else if (arg === "--participants") result.participants = whole(arg, argv[++i]);
    else if (arg === "--pairs") {
      const text = argv[++i];
      pairs = text === "0" ? 0 : whole(arg, text);
    }
    else if (arg === "--windows") {
      const text = argv[++i];
      windows = (text ?? "").split(",").map((w) => whole(arg, w));
      if (windows.some((w, k) => k > 0 && w <= windows![k - 1])) throw new Error(`--windows "${text}": expected rising numbers, e.g. 100,200,400`);
    } else if (arg === "--plot") {
      const file = argv[++i] ?? "";
      if (!file.endsWith(".svg")) throw new Error(`--plot "${file}": expected a file name ending in .svg`);
      result.plot = file;
    } else throw new Error(`unknown option "${arg}" (${USAGE})`);
  }
  if (result.participants < 10 || result.participants % 2 !== 0) throw new Error("--participants: an even number, at least 10 (DvP and PvP pair them, payment batches group them by 10)");
  return { ...result, mode, seconds: seconds ?? MODES[mode].seconds, windows: windows ?? [...MODES[mode].windows], pairs: pairs ?? MODES[mode].pairs };
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const log = opts.json ? () => undefined : (line: string) => console.log(line);
  await withNetwork(async () => {
    const report = await bench(opts, log);
    if (opts.json) console.log(JSON.stringify(report, null, 2));
  }, log);
}

async function bench(opts: Options, log: (line: string) => void) {
  process.env.HARDHAT_NETWORK = "qbft";
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as typeof import("hardhat");
  const { openMarket } = await import("./market");
  const { Pipeline } = await import("../lib/pipeline");
  const { pairedTrade, presignedSettlements } = await import("./workloads");
  const { paymentCycle, signPayment, tokenDomain } = await import("../lib/payments");
  const { toReference } = await import("../lib/format");
  const { ethers } = hre;
  const urls = nodeKeys().map(rpcUrl);

  log(`setting up ${opts.participants} participants on the QBFT network...`);
  // every participant holds USD and EUR (both 2 decimals): the PvP workload trades one against the other
  const market = await openMarket(hre, opts.participants, { cash: 1_000_000_000_00n, units: 1_000_000_000n, currencies: ["USD", "EUR"] });
  const { wallets, usd, shares, escrow, duties } = market;
  const eur = market.cash.EUR;
  const n = wallets.length;
  const plain = await (await ethers.getContractFactory("PlainERC20", duties.admin)).deploy();
  await plain.waitForDeployment();
  const funding = new Pipeline(duties.admin);
  for (const w of wallets) {
    await funding.send(`fund ${w.address}`, { to: w.address, value: ethers.parseEther("1"), gasLimit: 21_000n });
    await funding.send(`mint plain to ${w.address}`, { ...(await plain.mint.populateTransaction(w.address, 10n ** 30n)), gasLimit: 100_000n });
  }
  await funding.mined();

  const [usdAddress, eurAddress, sharesAddress, escrowAddress, plainAddress] = await Promise.all([usd.getAddress(), eur.getAddress(), shares.getAddress(), escrow.getAddress(), plain.getAddress()]);
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 24 * 3600);
  let seq = 0;
  const runId = Date.now().toString(36);
  const round = <T>(make: (i: number) => T) => () => make(seq++);
  const countEvents = (contract: BaseContract, filter: ContractEventName) =>
    async (from: number, to: number) => (await contract.queryFilter(filter, from, to)).length;
  // DvP: 1 unit of the security for 100.00 USD; PvP: 92.00 EUR for 100.00 USD (each wallet holds both)
  const trade = (i: number) => pairedTrade(wallets, i, { asset: sharesAddress, assetAmount: 1n, cash: usdAddress, cashAmount: 100_00n }, deadline, `BENCH-${runId}`);
  const pvpTrade = (i: number) => pairedTrade(wallets, i, { asset: eurAddress, assetAmount: 92_00n, cash: usdAddress, cashAmount: 100_00n }, deadline, `PVP-${runId}`);
  const escrowCalls = { address: escrowAddress, iface: escrow.interface };

  // workloads that --only leaves out are not prepared (their signatures take time)
  const selected = (name: string) => !opts.only || name.toLowerCase().includes(opts.only.toLowerCase());
  // presign(window): calls signed before each step's clock starts, sized above what the network can take
  // at that window (it cannot mine more than the window per block period, nor more than `cap` a second)
  // prepare(window): signs ahead what the step's calls need (payment and trade signatures)
  // batch: a call carries this many transactions' worth of load (a batch of 100 payments counts 100)
  // starved: the step's calls signed ahead ran out while the window had room (the generator, not the network, bound)
  // paired: measured again against the plain ERC-20 baseline in interleaved pairs (--pairs)
  type Stepped = Workload & { cap: number; batch?: number; prepare?: (window: number) => Promise<void>; starved?: boolean; paired?: boolean };
  const perStep = (window: number, cap: number) => Math.ceil(Math.min(window / BLOCK_PERIOD_SECONDS, cap) * opts.seconds);
  const workloads: Stepped[] = [
    {
      name: "value transfer (network ceiling)", wallets, cap: 1500,
      next: round((i): Call => ({ from: i % n, to: wallets[(i + 1) % n].address, value: 1n, gasLimit: 21_000n })),
    },
    {
      name: "plain ERC-20 transfer (baseline)", wallets, cap: 1300,
      next: round((i): Call => ({ from: i % n, to: plainAddress, gasLimit: 100_000n, data: plain.interface.encodeFunctionData("transfer", [wallets[(i + 1) % n].address, 1n]) })),
      succeeded: countEvents(plain, plain.filters.Transfer()),
    },
    {
      name: "deposit token transferWithReference", wallets, cap: 1000, paired: true,
      next: round((i): Call => ({
        from: i % n, to: usdAddress, gasLimit: 200_000n,
        data: usd.interface.encodeFunctionData("transferWithReference", [wallets[(i + 1) % n].address, 1n, toReference(`PAY-${runId}-${i}`)]),
      })),
      succeeded: countEvents(usd, usd.filters.ReferencedTransfer()),
    },
  ];
  // Netted payment batches: 100 signed payments among a group of 10 participants, one of whom submits;
  // each payer numbers its nonces on (256 to a storage word). Signatures made ahead of each step.
  if (selected("netted payment batch")) {
    const BATCH = 100;
    const groups = Math.floor(n / 10);
    const domain = tokenDomain(await usd.name(), usdAddress, CHAIN_ID);
    const counters = new Map<string, bigint>(wallets.map((w, i) => [w.address, (BigInt(i + 1) << 64n) + (BigInt(Date.now()) << 8n)]));
    const byAddress = new Map(wallets.map((w) => [w.address, w]));
    const signedBatches: Call[] = [];
    let b = 0;
    // about 26 batches of 1.9 M gas fit a block: half as many again are signed, so that gas, not supply, binds
    const cap = Math.ceil((1.5 * Number(GAS_LIMIT / 1_900_000n)) / BLOCK_PERIOD_SECONDS);
    const batches: Stepped = {
      name: `netted payment batch (${BATCH} signed payments a transaction)`, wallets, batch: BATCH, cap,
      prepare: async (window) => {
        batches.starved = false;
        const count = perStep(window, cap) - signedBatches.length;
        if (count <= 0) return;
        log(`  signing ${count} payment batches of ${BATCH} (${count * BATCH} EIP-712 signatures)...`);
        const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
        for (const end = b + count; b < end; b++) {
          const group = wallets.slice((b % groups) * 10, (b % groups) * 10 + 10);
          const batchNo = b;
          const terms = paymentCycle(group.map((w) => w.address), BATCH, {
            validAfter: now - 60n, validBefore: now + 3600n, amount: (i) => BigInt(1_00 + ((i * 7919) % 50_00)),
            ref: (i) => toReference(`BATCH-${runId}-${batchNo}-${i}`), nonce: (payer, k) => ethers.toBeHex(counters.get(payer)! + BigInt(k), 32),
          });
          for (const t of terms) counters.set(t.from, BigInt(t.nonce) + 1n);
          const signed = await Promise.all(terms.map((t) => signPayment(byAddress.get(t.from)!, domain, t)));
          const submitter = (b % groups) * 10 + (b % 10);
          signedBatches.push({ from: submitter, to: usdAddress, gasLimit: 4_000_000n, data: usd.interface.encodeFunctionData("settlePaymentBatch", [signed]) });
        }
      },
      next: () => signedBatches.shift() ?? void (batches.starved = true),
      succeeded: countEvents(usd, usd.filters.PaymentBatchSettled()),
      completed: async (from, to) => (await countEvents(usd, usd.filters.PaymentBatchSettled())(from, to)) * BATCH,
      completedUnit: "payments",
    };
    workloads.push(batches);
  }
  // DvP and PvP settleSigned: both parties sign the terms (EIP-712), the buyer submits; signatures made
  // ahead of each step (the same cap and presigning for both: the two rows compare like for like)
  // (about 230 settlements of 216,000 gas fit a block: half as many again are signed)
  const SETTLE_CAP = Math.ceil((1.5 * Number(GAS_LIMIT / 216_000n)) / BLOCK_PERIOD_SECONDS);
  const settling = (name: string, make: typeof trade, first: number): Stepped => {
    const signedTrades: Call[] = [];
    let next = first;
    const w: Stepped = {
      name, wallets, cap: SETTLE_CAP,
      prepare: async (window) => {
        w.starved = false;
        const count = perStep(window, SETTLE_CAP) - signedTrades.length;
        if (count <= 0) return;
        log(`  signing ${count} trades (two EIP-712 signatures each)...`);
        signedTrades.push(...await presignedSettlements(wallets, escrowCalls, CHAIN_ID, count, make, next));
        next += count;
      },
      next: () => signedTrades.shift() ?? void (w.starved = true),
      succeeded: countEvents(escrow, escrow.filters.SignedTradeSettled()),
    };
    return w;
  };
  if (selected("DvP settleSigned")) workloads.push(settling("DvP settleSigned (both legs, two signatures)", trade, 1_000_000));
  if (selected("PvP settleSigned")) workloads.push(settling("PvP settleSigned (USD against EUR, two signatures)", pvpTrade, 3_000_000));
  // DvP locking flow: the seller proposes; once that is mined, both parties fund and the second settles.
  // Trade ids come from the block's TradeProposed logs, read once per block.
  const proposed = escrow.interface.getEvent("TradeProposed")!.topicHash;
  const idsByBlock = new Map<number, Promise<Map<string, string>>>();
  const tradeIds = (block: number) => {
    if (!idsByBlock.has(block)) {
      idsByBlock.set(block, ethers.provider.getLogs({ address: escrowAddress, topics: [proposed], fromBlock: block, toBlock: block })
        .then((logs) => new Map(logs.map((l) => [l.transactionHash, l.topics[1]]))));
    }
    return idsByBlock.get(block)!;
  };
  // proposals waiting for their funding are capped at a quarter of the step's window, so that the
  // funding steps are not starved
  let awaitingFunds = 0;
  let lockingWindow = 0;
  const proposeNext = round((i): Call => {
    const t = trade(i + 2_000_000);
    awaitingFunds += 1;
    return {
      from: t.seller, to: escrowAddress, gasLimit: 400_000n, data: escrow.interface.encodeFunctionData("proposeTrade", [t.terms]),
      then: async (hash, block) => {
        awaitingFunds -= 1;
        const id = (await tradeIds(block)).get(hash);
        if (!id) return []; // the proposal reverted: it left no event, which the check counts
        const fund = escrow.interface.encodeFunctionData("fund", [id, t.terms]);
        return [{ from: t.seller, to: escrowAddress, gasLimit: 300_000n, data: fund }, { from: t.buyer, to: escrowAddress, gasLimit: 300_000n, data: fund }];
      },
    };
  });
  workloads.push({
    name: "DvP locking flow (propose, fund, fund: 3 transactions a trade)", wallets, cap: 0,
    prepare: async (window) => {
      lockingWindow = window;
      awaitingFunds = 0;
    },
    next: () => (awaitingFunds < lockingWindow / 4 ? proposeNext() : undefined),
    // every transaction of the flow leaves one event: a proposal, or a leg funded
    succeeded: async (from, to) => await countEvents(escrow, escrow.filters.TradeProposed())(from, to) + await countEvents(escrow, escrow.filters.LegFunded())(from, to),
    completed: countEvents(escrow, escrow.filters.TradeSettled()),
  });

  if (opts.only) {
    const only = opts.only.toLowerCase();
    for (let i = workloads.length - 1; i >= 2; i--) if (!workloads[i].name.toLowerCase().includes(only)) workloads.splice(i, 1);
    if (workloads.length === 2) throw new Error(`--only "${opts.only}" names no workload`);
  }
  // a workload whose first transaction would revert is refused with the reason, before its load
  const { describeError } = await import("../lib/errors");
  const interfaces = [usd.interface, shares.interface, escrow.interface, market.registry.interface];
  const checkFirst = async (w: Stepped) => {
    const first = w.next();
    if (!first) return;
    try {
      await ethers.provider.call({ from: w.wallets[first.from].address, to: first.to, data: first.data, value: first.value });
    } catch (e) {
      throw new Error(`${w.name}: its first transaction would revert: ${describeError(e, interfaces)}`);
    }
    const next = w.next;
    let pending: Call | undefined = first;
    w.next = () => {
      const call = pending ?? next();
      pending = undefined;
      return call;
    };
  };

  const limits: Limits = { blockPeriodSeconds: BLOCK_PERIOD_SECONDS, cores: os.cpus().length, txpoolSlots: TXPOOL.globalSlots, txpoolQueue: TXPOOL.globalQueue };
  type Step = StepMeasure & { result: LoadResult };
  /** One step of `w` at `window`: its load driven for opts.seconds, with what could bind sampled meanwhile. */
  const measure = async (w: Stepped, window: number, first = false): Promise<Step> => {
    const callWindow = Math.max(1, Math.round(window / (w.batch ?? 1)));
    await w.prepare?.(callWindow);
    if (first) await checkFirst(w);
    const sampler = new Sampler(urls);
    const r = await drive(w, {
      urls, seconds: opts.seconds, window: callWindow, presign: w.cap ? perStep(callWindow, w.cap) : 0,
      onClock: (phase) => (phase === "start" ? sampler.start() : sampler.stop()),
    });
    if (r.succeeded !== undefined && r.succeeded !== r.mined) throw new Error(`${r.workload}: ${r.mined} transactions mined but ${r.succeeded} succeeded`);
    return {
      // a batch workload's window counts payments (100 a transaction); its tx/s counts transactions
      window, sentTps: r.sentTps, tps: r.tps, p50Ms: r.latencyMs.p50, p95Ms: r.latencyMs.p95, p99Ms: r.latencyMs.p99,
      completedPerSecond: r.completed === undefined ? undefined : r.completed / r.seconds,
      ...sampler.measures(), starved: w.starved ?? false,
      gasUsedRatio: { mean: r.gasPerBlock.mean / Number(GAS_LIMIT), max: r.gasPerBlock.max / Number(GAS_LIMIT) },
      result: r,
    };
  };
  const results: { workload: string; completedUnit?: string; saturation: Saturation; steps: Step[] }[] = [];
  for (const w of workloads) {
    log(`${w.name}: steps of ${opts.seconds} s at ${opts.windows.join(", ")} in flight, until saturated...`);
    const steps: Step[] = [];
    for (const window of opts.windows) {
      const step = await measure(w, window, steps.length === 0);
      const r = step.result;
      steps.push(step);
      log(`  ${window} in flight: sent ${rate(r.sentTps)}/s, ${rate(r.tps)} tx/s${step.completedPerSecond === undefined ? "" : ` (${rate(step.completedPerSecond)} ${r.completedUnit}/s)`}, p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms; CPU validators ${step.validatorCpu.toFixed(0)}%, machine ${step.hostCpu.toFixed(0)}%, generator ${step.generatorCpu.toFixed(0)}%; gas ${(step.gasUsedRatio.mean * 100).toFixed(0)}% of the limit; pool ${step.txpool.pending} pending, ${step.txpool.queued} queued${step.starved ? "; the calls signed ahead ran out" : ""}`);
      const stop = stopReason(steps, BLOCK_PERIOD_SECONDS);
      if (stop) break;
    }
    const saturation = summarize(steps, limits);
    results.push({ workload: w.name, completedUnit: steps[0].result.completedUnit, saturation, steps });
  }
  const paired = await pairs(workloads, results, opts, measure, log);
  if (!opts.json) printTable(results, limits, paired);
  if (opts.plot) {
    fs.mkdirSync(path.dirname(path.resolve(opts.plot)), { recursive: true });
    const title = `bench:qbft: ${VALIDATORS} validators, ${BLOCK_PERIOD_SECONDS} s blocks, ${os.cpus().length} cores shared with the load generator`;
    fs.writeFileSync(opts.plot, plotSvg(results.map((r) => ({
      name: r.workload, kneeWindow: r.saturation.kneeWindow,
      // a batch workload is drawn in payments a second (a trade flow in its transactions)
      ...(r.completedUnit === "payments"
        ? { unit: "payments/s", steps: r.steps.map((x) => ({ ...x, tps: x.completedPerSecond ?? 0 })) }
        : { steps: r.steps }),
    })), title, BLOCK_PERIOD_SECONDS));
    log(`plot written to ${opts.plot}`);
  }
  return {
    network: { validators: VALIDATORS, blockPeriodSeconds: BLOCK_PERIOD_SECONDS, chainId: CHAIN_ID, participants: opts.participants, gasLimit: Number(GAS_LIMIT), txpool: TXPOOL, cores: limits.cores },
    mode: opts.mode,
    seconds: opts.seconds,
    windows: opts.windows,
    results,
    paired,
  };
}

/** The paired ratio's measurement: its window, each pair (and, for --json, each pair's two steps in full), and the ratio. */
interface PairedRun extends PairedRatio {
  baseline: string;
  subject: string;
  window: number;
  seconds: number;
  pairs: Pair[];
  steps: { baseline: StepMeasure; subject: StepMeasure }[];
}

/**
 * `opts.pairs` pairs of steps of the plain ERC-20 baseline (workloads[1]) and of the paired workload (the
 * deposit token), back to back at the larger of the two saturation windows, the first of each pair
 * alternating; undefined when no pairs are asked for or --only left the paired workload out.
 */
async function pairs<W extends { name: string; paired?: boolean }>(
  workloads: readonly W[], results: readonly { workload: string; saturation: Saturation }[], opts: Options,
  measure: (w: W, window: number) => Promise<StepMeasure>, log: (line: string) => void,
): Promise<PairedRun | undefined> {
  const baseline = workloads[1];
  const subject = workloads.find((w) => w.paired);
  if (opts.pairs === 0 || !subject) return undefined;
  const saturationOf = (w: W) => results.find((r) => r.workload === w.name)!.saturation;
  const window = Math.max(saturationOf(baseline).window, saturationOf(subject).window);
  log(`${subject.name} against ${baseline.name}: ${opts.pairs} pairs of ${opts.seconds} s steps at ${window} in flight, back to back...`);
  const measured: Pair[] = [];
  const steps: PairedRun["steps"] = [];
  for (let k = 0; k < opts.pairs; k++) {
    const first = k % 2 === 0 ? "baseline" : "subject";
    const order = first === "baseline" ? [baseline, subject] : [subject, baseline];
    const [a, b] = [await measure(order[0], window), await measure(order[1], window)];
    const [base, sub] = first === "baseline" ? [a, b] : [b, a];
    steps.push({ baseline: base, subject: sub });
    const pair: Pair = { baselineTps: base.tps, subjectTps: sub.tps, baselineCpu: base.validatorCpu, subjectCpu: sub.validatorCpu, first };
    measured.push(pair);
    const one = pairedRatio([pair]);
    log(`  pair ${k + 1} (${first} first): ${rate(base.tps)} and ${rate(sub.tps)} tx/s, ${one.median.toFixed(3)}x; `
      + `validators' CPU ${base.validatorCpu.toFixed(0)}% and ${sub.validatorCpu.toFixed(0)}%, `
      + `${cpuMsPerTx(base.validatorCpu, base.tps).toFixed(2)} and ${cpuMsPerTx(sub.validatorCpu, sub.tps).toFixed(2)} ms a transaction (${one.cpuPerTxMedian.toFixed(3)}x)`);
  }
  return { baseline: baseline.name, subject: subject.name, window, seconds: opts.seconds, pairs: measured, steps, ...pairedRatio(measured) };
}

/**
 * What could bind during a step's sending: CPU of the validators (/proc/<pid>/stat of the processes this
 * project started), of the whole machine (/proc/stat) and of this process (process.cpuUsage()), and the
 * largest transaction pool of any validator (txpool_status, polled every second).
 */
class Sampler {
  private readonly tick = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  private readonly pids = nodeKeys().map((k) => running(k.index)).filter((p): p is number => p !== undefined);
  private at = { wall: 0, validators: 0, host: { busy: 0, total: 0 }, self: process.cpuUsage() };
  private result = { validatorCpu: 0, hostCpu: 0, generatorCpu: 0 };
  private pool = { pending: 0, queued: 0 };
  private timer?: NodeJS.Timeout;
  constructor(private readonly urls: string[]) {}

  private validatorTicks(): number {
    return this.pids.reduce((sum, pid) => {
      try {
        return sum + procTicks(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
      } catch {
        return sum;
      }
    }, 0);
  }

  start(): void {
    this.at = { wall: Date.now(), validators: this.validatorTicks(), host: hostTicks(fs.readFileSync("/proc/stat", "utf8")), self: process.cpuUsage() };
    this.timer = setInterval(() => void this.poll(), 1000);
  }

  private async poll(): Promise<void> {
    await Promise.all(this.urls.map(async (url) => {
      try {
        const s = await rpcOne<{ pending: string; queued: string }>(url, "txpool_status");
        this.pool = { pending: Math.max(this.pool.pending, Number(s.pending)), queued: Math.max(this.pool.queued, Number(s.queued)) };
      } catch {
        // a node too busy to answer within the step leaves its sample out
      }
    }));
  }

  stop(): void {
    clearInterval(this.timer);
    const seconds = (Date.now() - this.at.wall) / 1000;
    const host = hostTicks(fs.readFileSync("/proc/stat", "utf8"));
    const self = process.cpuUsage(this.at.self);
    this.result = {
      validatorCpu: (100 * (this.validatorTicks() - this.at.validators)) / this.tick / seconds,
      // /proc/stat's ticks are summed over the cores: busy share times the cores is percent of one core
      hostCpu: (100 * os.cpus().length * (host.busy - this.at.host.busy)) / Math.max(1, host.total - this.at.host.total),
      generatorCpu: (100 * (self.user + self.system)) / 1e6 / seconds,
    };
  }

  measures(): Pick<StepMeasure, "validatorCpu" | "hostCpu" | "generatorCpu" | "txpool"> {
    return { ...this.result, txpool: this.pool };
  }
}

/** A rate: one decimal below 10 (a batch workload's transactions), whole numbers above. */
const rate = (x: number) => x.toFixed(x < 10 ? 1 : 0);
const ms = (l: { p50Ms: number; p95Ms: number }) => `${l.p50Ms.toLocaleString("en")} / ${l.p95Ms.toLocaleString("en")}`;

function printTable(results: { workload: string; completedUnit?: string; saturation: Saturation; steps: StepMeasure[] }[], limits: Limits, paired?: PairedRun): void {
  // the bound's evidence: the step that stopped the search
  const header = ["workload", "saturation tx/s", "at window", "p50/p95 ms at 50%", "p50/p95 ms at 90%", "knee", "bound by", "last: CPU val/machine/gen %", "gas % of limit", "pool max", "stopped by"];
  const lines = results.map(({ workload, completedUnit, saturation: s, steps }) => {
    const best = steps[steps.length - 1];
    return [
      workload, `${rate(s.tps)}${s.completedPerSecond === undefined ? "" : ` (${rate(s.completedPerSecond)} ${completedUnit}/s)`}`, String(s.window),
      ms(s.at50), ms(s.at90), s.kneeWindow === undefined ? "-" : String(s.kneeWindow), s.boundBy,
      `${best.validatorCpu.toFixed(0)}/${best.hostCpu.toFixed(0)}/${best.generatorCpu.toFixed(0)}`, (best.gasUsedRatio.mean * 100).toFixed(0),
      String(best.txpool.pending + best.txpool.queued), s.stoppedBy,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`\nQBFT network: ${VALIDATORS} validators, ${limits.blockPeriodSeconds} s blocks, ${limits.cores} cores shared with the load generator (CPU in percent of one core)`);
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
  if (paired) {
    console.log(`\n${paired.subject} / ${paired.baseline}, ${paired.pairs.length} pairs of ${paired.seconds} s steps back to back at ${paired.window} in flight: `
      + `median ${paired.median.toFixed(3)}x (${paired.min.toFixed(3)}x to ${paired.max.toFixed(3)}x); the validators' CPU per transaction ${paired.cpuPerTxMedian.toFixed(3)}x (median)`);
  }
}

if (require.main === module) runMain(main);
