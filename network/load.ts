import type { HDNodeWallet } from "ethers";
import { CHAIN_ID } from "./genesis";

/**
 * A load generator for a JSON-RPC network: transactions are signed here with explicit nonces and sent
 * raw (`eth_sendRawTransaction`, in JSON-RPC batches, round-robin over the nodes), keeping at most
 * `window` of them in flight; inclusion is seen by polling new blocks, never by waiting for receipts one
 * at a time. Every address is on this machine (127.0.0.1); a run is bounded by its duration.
 */

/** One transaction a workload wants sent: from one of its wallets, to a contract or account. */
export interface Call {
  from: number;
  to: string;
  data?: string;
  value?: bigint;
  gasLimit: bigint;
  /** Called with the transaction's hash and block once it is seen mined: may return follow-up calls. */
  then?: (hash: string, block: number) => Promise<Call[]>;
}

export interface Workload {
  name: string;
  wallets: HDNodeWallet[];
  /** The next independent call, or undefined when the workload has nothing more to send. */
  next(): Call | undefined;
  /** Counts the transactions that succeeded in blocks [from, to] (from the chain's events): must equal those mined. */
  succeeded?(from: number, to: number): Promise<number>;
  /** Counts the business operations completed in blocks [from, to] (e.g. trades settled by a 3-step flow). */
  completed?(from: number, to: number): Promise<number>;
  /** What `completed` counts ("trades" unless said). */
  completedUnit?: string;
}

export interface LoadOptions {
  urls: string[];
  seconds: number;
  window: number;
  /** Transactions per JSON-RPC batch. */
  batch?: number;
  /**
   * Independent calls signed before the clock starts, so that the generator's own signing (about 700 a
   * second in JavaScript on one core) does not stand in for the network's limit; the rest is signed as it
   * is sent.
   */
  presign?: number;
  /** Called when the clock starts and when sending stops (before what is in flight drains): a sampler's bounds. */
  onClock?: (phase: "start" | "stop") => void;
}

export interface LoadResult {
  workload: string;
  sent: number;
  mined: number;
  /** Transactions the chain's events confirm (undefined when the workload has no check). */
  succeeded?: number;
  /** Operations completed, where a workload's operation takes several transactions. */
  completed?: number;
  completedUnit?: string;
  seconds: number;
  tps: number;
  latencyMs: { p50: number; p95: number; p99: number };
  blocks: number;
  txPerBlock: { mean: number; max: number };
  gasPerBlock: { mean: number; max: number };
  gasPerTx: number;
  window: number;
  /** Transactions sent per second while sending. */
  sentTps: number;
}

interface RpcBlock {
  number: string;
  gasUsed: string;
  transactions: string[];
}

let rpcId = 0;
async function rpc<T>(url: string, calls: { method: string; params: unknown[] }[]): Promise<T[]> {
  const body = calls.map((c) => ({ jsonrpc: "2.0", id: ++rpcId, method: c.method, params: c.params }));
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const answers = (await response.json()) as { id: number; result?: T; error?: { message: string } }[];
  const byId = new Map(answers.map((a) => [a.id, a]));
  return body.map((b) => {
    const a = byId.get(b.id);
    if (!a || a.error) throw new Error(`${b.method}: ${a?.error?.message ?? "no answer"}`);
    return a.result as T;
  });
}
export const rpcOne = async <T>(url: string, method: string, params: unknown[] = []): Promise<T> => (await rpc<T>(url, [{ method, params }]))[0];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Drives one workload for `seconds`, then waits (up to 120 s) for what is in flight, and measures. */
export async function drive(workload: Workload, options: LoadOptions): Promise<LoadResult> {
  const { urls, window } = options;
  const batchSize = options.batch ?? 50;
  const nonces = await Promise.all(workload.wallets.map((w) => rpcOne<string>(urls[0], "eth_getTransactionCount", [w.address, "pending"]).then(Number)));
  const inFlight = new Map<string, { at: number; then?: Call["then"] }>();
  const ready: Call[] = [];
  const latencies: number[] = [];
  const blocks: { gas: number; ours: number }[] = [];
  let sent = 0;
  let mined = 0;
  let node = 0;
  const sign = (c: Call) => workload.wallets[c.from].signTransaction({
    to: c.to, data: c.data ?? "0x", value: c.value ?? 0n, gasLimit: c.gasLimit, gasPrice: 0n, type: 0, chainId: CHAIN_ID,
    nonce: nonces[c.from]++,
  });
  const presigned: { raw: string; then?: Call["then"] }[] = [];
  for (let i = 0; i < (options.presign ?? 0); i++) {
    const call = workload.next();
    if (!call) break;
    // a dependent step signed later would queue behind presigned calls that may never be sent
    if (call.then) throw new Error(`${workload.name}: calls with dependent steps cannot be presigned`);
    presigned.push({ raw: await sign(call), then: call.then });
  }
  const startBlock = Number(await rpcOne<string>(urls[0], "eth_blockNumber"));
  let seen = startBlock;
  const started = Date.now();
  const stopSending = started + options.seconds * 1000;
  let lastMinedAt = started;
  options.onClock?.("start");
  let stopped = false;

  async function submit(): Promise<void> {
    while (Date.now() < stopSending && inFlight.size < window) {
      const batch: { raw: string; then?: Call["then"] }[] = [];
      while (batch.length < Math.min(batchSize, window - inFlight.size)) {
        const dependent = ready.shift();
        if (dependent) batch.push({ raw: await sign(dependent), then: dependent.then });
        else if (presigned.length > 0) batch.push(presigned.shift()!);
        else {
          const call = workload.next();
          if (!call) break;
          batch.push({ raw: await sign(call), then: call.then });
        }
      }
      if (batch.length === 0) return;
      const url = urls[node++ % urls.length];
      const at = Date.now();
      const hashes = await rpc<string>(url, batch.map((b) => ({ method: "eth_sendRawTransaction", params: [b.raw] })));
      hashes.forEach((h, i) => inFlight.set(h, { at, then: batch[i].then }));
      sent += hashes.length;
    }
  }

  async function poll(): Promise<void> {
    const headNow = Number(await rpcOne<string>(urls[0], "eth_blockNumber"));
    if (headNow <= seen) return;
    const numbers = Array.from({ length: headNow - seen }, (_, i) => seen + 1 + i);
    const fetched = await rpc<RpcBlock>(urls[0], numbers.map((n) => ({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })));
    const now = Date.now();
    const followUps: Promise<Call[]>[] = [];
    for (const block of fetched) {
      let ours = 0;
      for (const hash of block.transactions) {
        const entry = inFlight.get(hash);
        if (!entry) continue;
        ours += 1;
        latencies.push(now - entry.at);
        inFlight.delete(hash);
        if (entry.then) followUps.push(entry.then(hash, Number(block.number)));
      }
      if (ours > 0) {
        mined += ours;
        lastMinedAt = now;
        blocks.push({ gas: Number(block.gasUsed), ours });
      }
    }
    seen = headNow;
    for (const calls of await Promise.all(followUps)) ready.push(...calls);
  }

  const drainDeadline = stopSending + 120_000;
  // after `seconds`, nothing new is sent (dependent steps included): what is in flight is waited for
  while (Date.now() < stopSending || (inFlight.size > 0 && Date.now() < drainDeadline)) {
    if (!stopped && Date.now() >= stopSending) {
      stopped = true;
      options.onClock?.("stop");
    }
    await submit();
    await poll();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!stopped) options.onClock?.("stop");
  if (inFlight.size > 0) throw new Error(`${workload.name}: ${inFlight.size} transactions still not mined 120 s after the last was sent`);
  const endBlock = seen;
  const seconds = (lastMinedAt - started) / 1000;
  latencies.sort((a, b) => a - b);
  const gasTotal = blocks.reduce((s, b) => s + b.gas, 0);
  return {
    workload: workload.name,
    sent,
    mined,
    succeeded: workload.succeeded ? await workload.succeeded(startBlock + 1, endBlock) : undefined,
    completed: workload.completed ? await workload.completed(startBlock + 1, endBlock) : undefined,
    completedUnit: workload.completed ? workload.completedUnit ?? "trades" : undefined,
    seconds,
    tps: mined / seconds,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    blocks: blocks.length,
    txPerBlock: { mean: blocks.length ? mined / blocks.length : 0, max: Math.max(0, ...blocks.map((b) => b.ours)) },
    gasPerBlock: { mean: blocks.length ? gasTotal / blocks.length : 0, max: Math.max(0, ...blocks.map((b) => b.gas)) },
    gasPerTx: mined ? gasTotal / mined : 0,
    window,
    sentTps: sent / options.seconds,
  };
}
