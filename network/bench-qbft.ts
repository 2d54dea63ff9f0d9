import "@nomicfoundation/hardhat-ethers/internal/type-extensions";
import type { BaseContract, ContractEventName } from "ethers";
import { CHAIN_ID, BLOCK_PERIOD_SECONDS, nodeKeys, VALIDATORS } from "./genesis";
import { Call, drive, LoadResult, Workload } from "./load";
import { runMain } from "./main";
import { rpcUrl, withNetwork } from "./node";

/**
 * `npm run bench:qbft [-- --seconds 20] [--window 600] [--participants 40] [--json]`: throughput and
 * latency on the running 4-validator QBFT network (started, and stopped again, if it is not running),
 * from many onboarded participants signing locally. In one run and on one network it measures plain
 * value transfers and plain OpenZeppelin ERC-20 transfers (the baselines), deposit-token
 * `transferWithReference`, netted batches of 100 signed payments (`settlePaymentBatch`), DvP
 * `settleSigned`, PvP `settleSigned` (EUR against USD, both legs deposit tokens) and the DvP locking flow
 * (propose, then both parties fund). Prints a table, or one JSON object with `--json`.
 */
interface Options {
  /** Run only the workloads whose name contains this text (the baselines are always run). */
  only?: string;
  seconds: number;
  window: number;
  participants: number;
  json: boolean;
}

function options(argv: string[]): Options {
  const result: Options = { seconds: 20, window: 600, participants: 40, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") result.json = true;
    else if (arg === "--only") result.only = argv[++i] ?? "";
    else if (["--seconds", "--window", "--participants"].includes(arg)) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value <= 0) throw new Error(`${arg} "${argv[i] ?? ""}": expected a positive whole number`);
      result[arg.slice(2) as "seconds" | "window" | "participants"] = value;
    } else throw new Error(`unknown option "${arg}" (options: --seconds N, --window N, --participants N, --only TEXT, --json)`);
  }
  if (result.participants < 10 || result.participants % 2 !== 0) throw new Error("--participants: an even number, at least 10 (DvP and PvP pair them, payment batches group them by 10)");
  return result;
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
  // presign: calls signed before each clock starts, sized above what the network is expected to take
  // window: a workload may keep fewer transactions in flight (a batch carries many payments)
  const workloads: (Workload & { presign: number; window?: number })[] = [
    {
      name: "value transfer (network ceiling)", wallets, presign: opts.seconds * 1200,
      next: round((i): Call => ({ from: i % n, to: wallets[(i + 1) % n].address, value: 1n, gasLimit: 21_000n })),
    },
    {
      name: "plain ERC-20 transfer (baseline)", wallets, presign: opts.seconds * 1000,
      next: round((i): Call => ({ from: i % n, to: plainAddress, gasLimit: 100_000n, data: plain.interface.encodeFunctionData("transfer", [wallets[(i + 1) % n].address, 1n]) })),
      succeeded: countEvents(plain, plain.filters.Transfer()),
    },
    {
      name: "deposit token transferWithReference", wallets, presign: opts.seconds * 800,
      next: round((i): Call => ({
        from: i % n, to: usdAddress, gasLimit: 200_000n,
        data: usd.interface.encodeFunctionData("transferWithReference", [wallets[(i + 1) % n].address, 1n, toReference(`PAY-${runId}-${i}`)]),
      })),
      succeeded: countEvents(usd, usd.filters.ReferencedTransfer()),
    },
  ];
  // Netted payment batches: 100 signed payments among a group of 10 participants, one of whom submits;
  // each payer numbers its nonces on (256 to a storage word). Signatures made ahead.
  if (selected("netted payment batch")) {
    const BATCH = 100;
    const groups = Math.floor(n / 10);
    // enough for the whole run at about 1,000 payments a second (the network's pace with 50 M gas blocks)
    const batchCount = Math.min(groups * 60, opts.seconds * 10);
    log(`signing ${batchCount} payment batches of ${BATCH} (${batchCount * BATCH} EIP-712 signatures)...`);
    const domain = tokenDomain(await usd.name(), usdAddress, CHAIN_ID);
    const counters = new Map<string, bigint>(wallets.map((w, i) => [w.address, (BigInt(i + 1) << 64n) + (BigInt(Date.now()) << 8n)]));
    const byAddress = new Map(wallets.map((w) => [w.address, w]));
    const signedBatches: Call[] = [];
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    for (let b = 0; b < batchCount; b++) {
      const group = wallets.slice((b % groups) * 10, (b % groups) * 10 + 10);
      const terms = paymentCycle(group.map((w) => w.address), BATCH, {
        validAfter: now - 60n, validBefore: now + 3600n, amount: (i) => BigInt(1_00 + ((i * 7919) % 50_00)),
        ref: (i) => toReference(`BATCH-${runId}-${b}-${i}`), nonce: (payer, k) => ethers.toBeHex(counters.get(payer)! + BigInt(k), 32),
      });
      for (const t of terms) counters.set(t.from, BigInt(t.nonce) + 1n);
      const signed = await Promise.all(terms.map((t) => signPayment(byAddress.get(t.from)!, domain, t)));
      const submitter = (b % groups) * 10 + (b % 10);
      signedBatches.push({ from: submitter, to: usdAddress, gasLimit: 4_000_000n, data: usd.interface.encodeFunctionData("settlePaymentBatch", [signed]) });
  }
  workloads.push({
    name: `netted payment batch (${BATCH} signed payments a transaction)`, wallets, presign: batchCount,
    // as many payments in flight as the other workloads have transactions
    window: Math.max(1, Math.round(opts.window / BATCH)),
    next: () => signedBatches.shift(),
    succeeded: countEvents(usd, usd.filters.PaymentBatchSettled()),
    completed: async (from, to) => (await countEvents(usd, usd.filters.PaymentBatchSettled())(from, to)) * BATCH,
    completedUnit: "payments",
  });
  }
  // DvP settleSigned: both parties sign the terms (EIP-712), the buyer submits; signatures made ahead
  // (the same count and presigning for DvP and PvP: the two rows compare like for like)
  const settleCount = Math.min(20_000, opts.seconds * 250);
  if (selected("DvP settleSigned")) {
    log(`signing ${settleCount} DvP trades (two EIP-712 signatures each)...`);
    const signedTrades = await presignedSettlements(wallets, escrowCalls, CHAIN_ID, settleCount, trade, 1_000_000);
    workloads.push({
      name: "DvP settleSigned (both legs, two signatures)", wallets, presign: settleCount,
      next: () => signedTrades.shift(),
      succeeded: countEvents(escrow, escrow.filters.SignedTradeSettled()),
    });
  }
  // PvP settleSigned: EUR (the asset leg) against USD (the cash leg), both deposit tokens, built as DvP's
  if (selected("PvP settleSigned")) {
    log(`signing ${settleCount} PvP trades, EUR against USD (two EIP-712 signatures each)...`);
    const signedTrades = await presignedSettlements(wallets, escrowCalls, CHAIN_ID, settleCount, pvpTrade, 3_000_000);
    workloads.push({
      name: "PvP settleSigned (USD against EUR, two signatures)", wallets, presign: settleCount,
      next: () => signedTrades.shift(),
      succeeded: countEvents(escrow, escrow.filters.SignedTradeSettled()),
    });
  }
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
  // proposals waiting for their funding are capped, so that the funding steps are not starved
  let awaitingFunds = 0;
  const proposeNext = round((i): Call => {
    const t = trade(i + 2_000_000);
    awaitingFunds += 1;
    return {
      from: t.seller, to: escrowAddress, gasLimit: 400_000n, data: escrow.interface.encodeFunctionData("proposeTrade", [t.terms]),
      then: async (hash, block) => {
        awaitingFunds -= 1;
        const id = (await tradeIds(block)).get(hash);
        if (!id) return []; // the proposal reverted: it left no event, which the check counts
        const fund = escrow.interface.encodeFunctionData("fund", [id]);
        return [{ from: t.seller, to: escrowAddress, gasLimit: 300_000n, data: fund }, { from: t.buyer, to: escrowAddress, gasLimit: 300_000n, data: fund }];
      },
    };
  });
  workloads.push({
    name: "DvP locking flow (propose, fund, fund: 3 transactions a trade)", wallets, presign: 0,
    next: () => (awaitingFunds < opts.window / 4 ? proposeNext() : undefined),
    // every transaction of the flow leaves one event: a proposal, or a leg funded
    succeeded: async (from, to) => await countEvents(escrow, escrow.filters.TradeProposed())(from, to) + await countEvents(escrow, escrow.filters.LegFunded())(from, to),
    completed: countEvents(escrow, escrow.filters.TradeSettled()),
  });

  if (opts.only) {
    const only = opts.only.toLowerCase();
    for (let i = workloads.length - 1; i >= 2; i--) if (!workloads[i].name.toLowerCase().includes(only)) workloads.splice(i, 1);
    if (workloads.length === 2) throw new Error(`--only "${opts.only}" names no workload`);
  }
  // a workload whose first transaction would revert is refused with the reason, before any load
  const { describeError } = await import("../lib/errors");
  const interfaces = [usd.interface, shares.interface, escrow.interface, market.registry.interface];
  for (const w of workloads) {
    const first = w.next();
    if (!first) continue;
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
  }

  const results: LoadResult[] = [];
  for (const w of workloads) {
    log(`${w.name}: ${opts.seconds} s, at most ${opts.window} in flight...`);
    const r = await drive(w, { urls, seconds: opts.seconds, window: w.window ?? opts.window, presign: w.presign });
    results.push(r);
    log(`  ${r.tps.toFixed(0)} tx/s, p50 ${r.latencyMs.p50} ms, ${r.mined} mined${r.succeeded === undefined ? "" : `, ${r.succeeded} confirmed by events`}${r.completed === undefined ? "" : `, ${r.completed} ${r.completedUnit} settled (${(r.completed / r.seconds).toFixed(0)}/s)`}`);
  }
  const baseline = results[1].tps;
  const rows = results.map((r) => ({ ...r, ratioToPlainErc20: r.tps / baseline }));
  if (!opts.json) printTable(rows);
  for (const r of rows) {
    if (r.succeeded !== undefined && r.succeeded !== r.mined) {
      throw new Error(`${r.workload}: ${r.mined} transactions mined but ${r.succeeded} succeeded`);
    }
  }
  return {
    network: { validators: VALIDATORS, blockPeriodSeconds: BLOCK_PERIOD_SECONDS, chainId: CHAIN_ID, participants: opts.participants },
    seconds: opts.seconds,
    window: opts.window,
    results: rows,
  };
}

function printTable(rows: (LoadResult & { ratioToPlainErc20: number })[]): void {
  const header = ["workload", "tx/s", "x ERC-20", "p50 ms", "p95 ms", "p99 ms", "tx/block", "gas/block", "gas/tx", "mined", "ok"];
  const lines = rows.map((r) => [
    r.workload, r.tps.toFixed(0), r.ratioToPlainErc20.toFixed(2), String(r.latencyMs.p50), String(r.latencyMs.p95), String(r.latencyMs.p99),
    r.txPerBlock.mean.toFixed(0), r.gasPerBlock.mean.toFixed(0), r.gasPerTx.toFixed(0), String(r.mined), (r.succeeded === undefined ? "-" : String(r.succeeded)) + (r.completed === undefined ? "" : ` (${r.completed} ${r.completedUnit}, ${(r.completed / r.seconds).toFixed(0)}/s)`),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`\nQBFT network: ${VALIDATORS} validators, ${BLOCK_PERIOD_SECONDS} s blocks, all on this machine with the load generator`);
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}

runMain(main);
