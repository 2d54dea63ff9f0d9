import { ethers, LogDescription } from "ethers";
import { CURRENCIES } from "../currencies";
import { contractOf, DeploymentRecord, ESCROW_KEY, recordName } from "../deployment";
import { Failure } from "../failure";
import { readInformation } from "../payment-info";
import { ledgerEvents, ledgerInterfaces } from "./abis";
import type { LedgerDb, Queryable, Row } from "./db";

/**
 * The JSON-RPC the ledger reads a chain through: only eth_blockNumber, eth_getLogs, eth_getBlockByNumber and
 * eth_getTransactionByHash, which GoQuorum (geth 1.10) answers as Hardhat does. An ethers provider is one.
 */
export interface Rpc {
  send(method: string, params: unknown[]): Promise<unknown>;
}

export interface SyncOptions {
  /** Blocks per eth_getLogs call and per database transaction (default LEDGER_BLOCK_RANGE, else 2000). */
  blockRange?: number;
  /** The last block to index (default: the chain's latest block; QBFT blocks are final). */
  toBlock?: number;
  /** Called after each range is committed. */
  onRange?: (range: RangeResult) => void;
}

/** One committed range. */
export interface RangeResult {
  fromBlock: number;
  toBlock: number;
  events: number;
}

export interface SyncResult {
  /** The first block this run indexed (the cursor's next block), and the last one; fromBlock > toBlock when nothing was new. */
  fromBlock: number;
  toBlock: number;
  /** The blocks indexed by this run. */
  blocks: number;
  /** The events indexed by this run (each becomes an `events` row and its rows in the other tables). */
  events: number;
  /** Rows written by this run, all tables together. */
  rows: number;
  seconds: number;
  /** True when the run continued from a stored cursor. */
  resumed: boolean;
}

/** Where the ledger stands. */
export interface Cursor {
  network: string;
  chainId: number;
  firstBlock: number;
  lastBlock: number;
  lastHash: string;
}

export const DEFAULT_BLOCK_RANGE = 2000;

/** The block range from LEDGER_BLOCK_RANGE (a positive integer), else 2000; one line naming the variable when wrong. */
export function blockRangeFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.LEDGER_BLOCK_RANGE;
  if (text === undefined || text === "") return DEFAULT_BLOCK_RANGE;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new Failure("BAD_INPUT", `LEDGER_BLOCK_RANGE "${text}" is not a positive whole number of blocks`);
  return Number(text);
}


/** The stored cursor, or undefined before the first sync. */
export async function readCursor(db: Queryable): Promise<Cursor | undefined> {
  const [row] = await db.query("SELECT network, chain_id, first_block, last_block, last_hash FROM sync_cursor WHERE id = 1");
  if (!row) return undefined;
  return { network: String(row.network), chainId: Number(row.chain_id), firstBlock: Number(row.first_block), lastBlock: Number(row.last_block), lastHash: String(row.last_hash) };
}

interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

interface RpcBlock {
  number: string;
  hash: string;
  timestamp: string;
}

/** A decoded log of the deployment. */
interface Decoded {
  address: string;
  contractKind: string;
  name: string;
  args: ethers.Result;
  parsed?: LogDescription;
  txHash: string;
  logIndex: number;
  blockNumber: number;
  time: Date;
}

const hex = (n: number) => ethers.toQuantity(n);
const lower = (a: string) => a.toLowerCase();
const ZERO = ethers.ZeroAddress;

/** The answers of ethers.isAddress for the strings of a sync (the same few wallets recur in most events). */
const ADDRESS_ANSWERS = new Map<string, boolean>();

/**
 * ethers.isAddress, remembered: it checksums (hashes) each address it is asked about. It is true only for 40
 * hex digits (with or without 0x) and ICAP text (34 or 35 characters); any other length is false at once.
 */
function isAddress(value: string): boolean {
  if (value.length !== 40 && value.length !== 42 && value.length !== 34 && value.length !== 35) return false;
  let known = ADDRESS_ANSWERS.get(value);
  if (known === undefined) {
    known = ethers.isAddress(value);
    if (ADDRESS_ANSWERS.size >= 10_000) ADDRESS_ANSWERS.clear();
    ADDRESS_ANSWERS.set(value, known);
  }
  return known;
}

/** A decoded Result as plain JSON: structs as objects, uint256 as decimal strings, addresses in lower case. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return isAddress(value) ? value.toLowerCase() : value;
  if (value instanceof ethers.Result) {
    let obj: Record<string, unknown> | undefined;
    try {
      obj = value.toObject(); // throws for a list (its items have no names)
    } catch {
      obj = undefined;
    }
    const keys = obj ? Object.keys(obj) : [];
    if (obj && value.length > 0 && keys.length === value.length) return Object.fromEntries(keys.map((k) => [k, plain(obj[k])]));
    return [...value].map(plain);
  }
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** A dropped connection (a keep-alive socket the node closed, a reset) is retried twice, after 200 and 400 ms. */
const TRANSIENT = /other side closed|socket hang up|ECONNRESET|EPIPE|ETIMEDOUT|UND_ERR_SOCKET/;

function retrying(rpc: Rpc): Rpc {
  return {
    async send(method, params) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await rpc.send(method, params);
        } catch (e) {
          if (attempt >= 2 || !TRANSIENT.test(`${(e as Error).message} ${(e as { code?: string }).code ?? ""}`)) throw e;
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
        }
      }
    },
  };
}

async function getBlock(rpc: Rpc, n: number): Promise<RpcBlock> {
  const b = (await rpc.send("eth_getBlockByNumber", [hex(n), false])) as RpcBlock | null;
  if (!b) throw new Failure("NETWORK", `block ${n} is not on the chain the node serves`);
  return b;
}

/** Runs `f` over `items`, at most `limit` at a time, and returns the results in the items' order. */
export async function pooled<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]);
    }
  }));
  return results;
}

/** eth_getBlockByNumber and eth_getTransactionByHash calls in flight at a time (an ethers JsonRpcProvider sends them as JSON-RPC batches). */
const FETCH_CONCURRENCY = 32;

/** PostgreSQL's limit of parameters in one statement (its protocol counts them in 16 bits). */
export const MAX_PARAMETERS = 65_535;

/**
 * Inserts `rows` (each one value per column) into `table` with multi-row INSERTs of at most `maxParameters`
 * parameters each, a row whose key is already there skipped; returns the `returning` columns of the rows
 * inserted.
 */
export async function insertRows(q: Queryable, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], returning = "1 AS inserted", maxParameters = MAX_PARAMETERS): Promise<Row[]> {
  const perStatement = Math.floor(maxParameters / columns.length);
  if (perStatement < 1) throw new Error(`a row of ${table} has ${columns.length} values, more than ${maxParameters} parameters`);
  const inserted: Row[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const params: unknown[] = [];
    const values = chunk.map((r) => {
      if (r.length !== columns.length) throw new Error(`a row of ${table} has ${r.length} values for ${columns.length} columns`);
      const first = params.length;
      params.push(...r);
      return `(${r.map((_, k) => `$${first + k + 1}`).join(", ")})`;
    });
    inserted.push(...await q.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${values.join(", ")} ON CONFLICT DO NOTHING RETURNING ${returning}`, params));
  }
  return inserted;
}

/** The columns of each table a sync appends rows to, in the order its rows give them. */
const COLUMNS = {
  blocks: ["number", "hash", "time"],
  events: ["tx_hash", "log_index", "block_number", "block_time", "contract", "name", "args"],
  payment_information: ["tx_hash", "reference", "text_reference", "uetr", "end_to_end_id", "remittance", "creditor_reference"],
  movements: ["tx_hash", "log_index", "block_number", "block_time", "token", "from_address", "to_address", "amount", "kind", "reference", "legal_ref", "deposit_ref", "redemption_id", "trade_id"],
  payments: ["tx_hash", "log_index", "block_number", "block_time", "token", "from_address", "to_address", "amount", "reference", "nonce", "batch_log_index"],
  payment_batches: ["tx_hash", "log_index", "block_number", "block_time", "token", "submitter", "instructions", "gross_value", "net_value"],
  issuances: ["tx_hash", "log_index", "block_number", "block_time", "token", "to_address", "amount", "deposit_ref", "issuer"],
  redemptions: ["token", "id", "holder", "amount", "status", "requested_tx", "requested_time"],
  freezes: ["tx_hash", "log_index", "block_number", "block_time", "token", "wallet", "frozen", "operator"],
  participant_changes: ["tx_hash", "log_index", "block_number", "block_time", "participant_id", "change", "previous", "value"],
  trades: ["trade_id", "flow", "kind", "ref", "seller", "buyer", "asset", "asset_amount", "cash", "cash_amount", "deadline", "status", "proposed_tx", "proposed_time", "closed_tx", "closed_time"],
  reserve_attestations: ["tx_hash", "log_index", "block_number", "block_time", "desk", "token", "amount", "report_hash", "as_of", "available", "supply", "attester"],
} as const;
type Table = keyof typeof COLUMNS;

/**
 * The writes of one range: new rows per table, written as multi-row INSERTs, then the statements that
 * change rows (a redemption's or trade's outcome, a participant's state) one by one in event order, after
 * the rows they change were inserted.
 */
class RangeWrites {
  private readonly rows = new Map<Table, unknown[][]>();
  private readonly changes: { sql: string; params: unknown[]; counted: boolean }[] = [];

  insert(table: Exclude<Table, "events" | "blocks">, row: unknown[]): void {
    const list = this.rows.get(table) ?? [];
    list.push(row);
    this.rows.set(table, list);
  }

  /** A statement run after the inserts; `counted`: its RETURNING rows count as rows written. */
  change(sql: string, params: unknown[], counted: boolean): void {
    this.changes.push({ sql, params, counted });
  }

  /** Writes everything; returns the number of rows inserted or changed (as counted). */
  async write(q: Queryable): Promise<number> {
    let written = 0;
    for (const [table, rows] of this.rows) written += (await insertRows(q, table, COLUMNS[table], rows)).length;
    for (const c of this.changes) {
      const r = await q.query(c.sql, c.params);
      if (c.counted) written += r.length;
    }
    return written;
  }
}

/**
 * Indexes the deployment's events into the ledger, from the stored cursor (or the deployment's first block) up
 * to the chain's latest block. Each range of blocks is read with one eth_getLogs filtered to the deployment's
 * contracts and written, with the cursor (last block and its hash), in one database transaction: an
 * interrupted run loses at most the range in flight and the next run resumes after the last committed one.
 * On resume the stored block's hash is checked against the chain: a different chain is refused.
 */
export async function syncLedger(db: LedgerDb, endpoint: Rpc, record: DeploymentRecord, options: SyncOptions = {}): Promise<SyncResult> {
  const started = Date.now();
  const rpc = retrying(endpoint);
  const range = options.blockRange ?? blockRangeFromEnv();
  const contracts = Object.entries(record.contracts).map(([key, c]) => ({ key, address: lower(c.address), block: c.block, kind: contractOf(key), name: recordName(key) || key }));
  if (contracts.length === 0) throw new Failure("NOT_FOUND", `the deployment of "${record.network}" records no contracts`);
  const byAddress = new Map(contracts.map((c) => [c.address, c]));
  const firstBlock = Math.max(0, Math.min(...contracts.map((c) => (c.block >= 0 ? c.block : Number.MAX_SAFE_INTEGER))));

  const cursor = await readCursor(db);
  if (cursor && (cursor.chainId !== record.chainId || cursor.network !== record.network)) {
    throw new Failure("REFUSED", `ledger database ${db.where} follows network "${cursor.network}" (chain id ${cursor.chainId}), not "${record.network}" (chain id ${record.chainId}): use another LEDGER_DIR or DATABASE_URL`);
  }
  if (cursor) {
    const b = (await rpc.send("eth_getBlockByNumber", [hex(cursor.lastBlock), false])) as RpcBlock | null;
    if (!b || lower(b.hash) !== lower(cursor.lastHash)) {
      throw new Failure("REFUSED", `ledger database ${db.where} indexed block ${cursor.lastBlock} with hash ${cursor.lastHash}, but the chain of network "${record.network}" has ${b ? `hash ${b.hash}` : "no such block"} there: a different chain (a restarted node?); refusing to mix them (start a new ledger with another LEDGER_DIR or DATABASE_URL)`);
    }
  }
  for (const c of contracts) {
    const decimals = c.kind === "DepositToken" ? CURRENCIES[c.name]?.decimals ?? null : null;
    await db.query(`INSERT INTO contracts (address, key, kind, name, decimals, deployed_block) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (address) DO UPDATE SET key = EXCLUDED.key, kind = EXCLUDED.kind, name = EXCLUDED.name, decimals = EXCLUDED.decimals, deployed_block = EXCLUDED.deployed_block`,
    [c.address, c.key, c.kind, c.name, decimals, c.block]);
  }

  const head = options.toBlock ?? Number(await rpc.send("eth_blockNumber", []));
  const from = cursor ? cursor.lastBlock + 1 : firstBlock;
  let events = 0;
  let rows = 0;
  for (let start = from; start <= head; start += range) {
    const end = Math.min(head, start + range - 1);
    const logs = ((await rpc.send("eth_getLogs", [{ fromBlock: hex(start), toBlock: hex(end), address: contracts.map((c) => c.address) }])) as RpcLog[])
      .filter((l) => !l.removed)
      .sort((a, b) => Number(a.blockNumber) - Number(b.blockNumber) || Number(a.logIndex) - Number(b.logIndex));
    const numbers = [...new Set(logs.map((l) => Number(l.blockNumber)))];
    const blocks = new Map<number, RpcBlock>();
    for (const b of await pooled([...new Set([...numbers, end])], FETCH_CONCURRENCY, (n) => getBlock(rpc, n))) blocks.set(Number(b.number), b);
    for (const l of logs) {
      const b = blocks.get(Number(l.blockNumber))!;
      if (lower(b.hash) !== lower(l.blockHash)) throw new Failure("NETWORK", `block ${Number(l.blockNumber)} changed while it was read (hash ${l.blockHash}, then ${b.hash}); run again`);
    }
    const decoded = logs.map((l) => decode(l, byAddress.get(lower(l.address))?.kind ?? "", new Date(Number(blocks.get(Number(l.blockNumber))!.timestamp) * 1000)));
    const txs = new Map<string, Decoded[]>();
    for (const d of decoded) txs.set(d.txHash, [...(txs.get(d.txHash) ?? []), d]);
    const inputs = new Map<string, string>();
    const referencing = [...txs.entries()].filter(([, ds]) => references(ds).size > 0).map(([h]) => h);
    await pooled(referencing, FETCH_CONCURRENCY, async (h) => {
      const tx = (await rpc.send("eth_getTransactionByHash", [h])) as { input: string } | null;
      if (tx) inputs.set(h, tx.input);
    });
    const endBlock = blocks.get(end)!;
    rows += await db.transaction(async (q) => {
      await insertRows(q, "blocks", COLUMNS.blocks, numbers.map((n) => [n, lower(blocks.get(n)!.hash), new Date(Number(blocks.get(n)!.timestamp) * 1000)]));
      let written = numbers.length;
      // Only the events not yet in the ledger make rows.
      const inserted = await insertRows(q, "events", COLUMNS.events, decoded.map((d) => [d.txHash, d.logIndex, d.blockNumber, d.time, d.address, d.name, JSON.stringify(plain(d.args))]), "tx_hash, log_index");
      written += inserted.length;
      const fresh = new Set(inserted.map((r) => `${String(r.tx_hash)}:${Number(r.log_index)}`));
      const writes = new RangeWrites();
      for (const [h, ds] of txs) {
        const mine = ds.filter((d) => fresh.has(`${d.txHash}:${d.logIndex}`));
        if (mine.length > 0) await rowsOf(writes, ds, mine, inputs.get(h), byAddress);
      }
      written += await writes.write(q);
      await q.query(`INSERT INTO sync_cursor (id, network, chain_id, first_block, last_block, last_hash, updated_at) VALUES (1, $1, $2, $3, $4, $5, now())
        ON CONFLICT (id) DO UPDATE SET last_block = EXCLUDED.last_block, last_hash = EXCLUDED.last_hash, updated_at = now()`,
      [record.network, record.chainId, firstBlock, end, lower(endBlock.hash)]);
      return written;
    });
    events += decoded.length;
    options.onRange?.({ fromBlock: start, toBlock: end, events: decoded.length });
  }
  return { fromBlock: from, toBlock: head, blocks: Math.max(0, head - from + 1), events, rows, seconds: (Date.now() - started) / 1000, resumed: cursor !== undefined };
}

function decode(l: RpcLog, contractKind: string, time: Date): Decoded {
  const base = { address: lower(l.address), contractKind, txHash: lower(l.transactionHash), logIndex: Number(l.logIndex), blockNumber: Number(l.blockNumber), time };
  const iface = ledgerInterfaces().get(contractKind);
  const fragment = ledgerEvents().get(contractKind)?.get(lower(l.topics[0] ?? ""));
  const parsed = iface && fragment ? new LogDescription(fragment, fragment.topicHash, iface.decodeEventLog(fragment, l.data, l.topics)) : undefined;
  if (!parsed) return { ...base, name: l.topics[0] ?? "anonymous", args: ethers.Result.fromItems([]) };
  return { ...base, name: parsed.name, args: parsed.args, parsed };
}

/** The bytes32 references the events of one transaction carry (lower-case hex), to which information may belong. */
function references(ds: readonly Decoded[]): Set<string> {
  const refs = new Set<string>();
  for (const d of ds) {
    const a = d.args;
    const add = (v: unknown) => {
      if (typeof v === "string" && v !== ethers.ZeroHash) refs.add(lower(v));
    };
    switch (d.name) {
      case "ReferencedTransfer": add(a.ref); break;
      case "Issued": add(a.depositRef); break;
      case "ForcedTransfer": add(a.legalRef); break;
      case "QuotePaid": add(a.ref); break;
      case "TradeProposed": add(a.ref); break;
      case "SignedTradeSettled": add(a.ref); break;
      case "TradeClosedByOrder": add(a.legalRef); break;
      default: break;
    }
  }
  return refs;
}

/**
 * The rows one transaction's events make, added to the range's writes: `ds` are all its events (the context
 * that classifies each), `fresh` those not yet in the ledger.
 */
async function rowsOf(w: RangeWrites, ds: Decoded[], fresh: Decoded[], input: string | undefined, byAddress: Map<string, { key: string; kind: string; address: string }>): Promise<void> {
  // A participant's state: statements run after the range's inserts, in event order, not counted as rows.
  const q = { query: async (sql: string, params: unknown[]) => w.change(sql, params, false) };
  const escrow = [...byAddress.values()].find((c) => c.key === ESCROW_KEY)?.address;
  const deskToken = (desk: string) => {
    const key = byAddress.get(desk)?.key;
    const token = key ? [...byAddress.values()].find((c) => c.key === `DepositToken:${recordName(key)}`) : undefined;
    return token?.address ?? null;
  };
  const consumed = new Set<Decoded>();
  const take = (pred: (e: Decoded) => boolean) => {
    const e = ds.find((x) => !consumed.has(x) && pred(x));
    if (e) consumed.add(e);
    return e;
  };
  const on = (d: Decoded, name: string) => (e: Decoded) => e.address === d.address && e.name === name;
  const at = (d: Decoded) => [d.txHash, d.logIndex, d.blockNumber, d.time];
  const addr = (v: unknown) => lower(String(v));
  const str = (v: unknown) => (v === undefined || v === null ? null : String(v));

  // Information carried after the call's arguments, for the references of this transaction's events.
  const refs = references(ds);
  if (input && refs.size > 0) {
    for (const [ref, info] of readInformation(input)) {
      if (!refs.has(lower(ref))) continue;
      w.insert("payment_information", [ds[0].txHash, lower(ref), info.reference ?? null, info.uetr ?? null, info.endToEndId ?? null, info.remittance ?? null, info.creditorReference ?? null]);
    }
  }

  for (const d of fresh) {
    const a = d.args;
    const token = d.contractKind === "DepositToken" || d.contractKind === "SecurityToken";
    switch (d.name) {
      case "Transfer": {
        if (!token) break;
        const [from, to, amount] = [addr(a.from), addr(a.to), a.value as bigint];
        const same = (e: Decoded, f: string, t: string) => addr(e.args.from) === f && addr(e.args.to) === t && (e.args.amount as bigint) === amount;
        let kind = "payment";
        let reference: string | null = null;
        let legalRef: string | null = null;
        let depositRef: string | null = null;
        let redemptionId: string | null = null;
        let tradeId: string | null = null;
        let plainPayment = false;
        const forced = take((e) => on(d, "ForcedTransfer")(e) && same(e, from, to));
        if (from === lower(ZERO)) {
          kind = "issuance";
          const issued = take((e) => on(d, "Issued")(e) && addr(e.args.to) === to && (e.args.amount as bigint) === amount);
          depositRef = issued ? lower(issued.args.depositRef) : null;
        } else if (to === lower(ZERO)) {
          const completed = take((e) => on(d, "RedemptionCompleted")(e) && (e.args.amount as bigint) === amount);
          kind = completed ? "redemption_payout" : "burn";
          redemptionId = completed ? String(completed.args.id) : null;
        } else if (forced) {
          kind = "forced_transfer";
          legalRef = lower(forced.args.legalRef);
        } else if (to === d.address && ds.some(on(d, "RedemptionRequested"))) {
          kind = "redemption_request";
          redemptionId = str(take((e) => on(d, "RedemptionRequested")(e) && addr(e.args.holder) === from)?.args.id);
        } else if (from === d.address && ds.some(on(d, "RedemptionRejected"))) {
          kind = "redemption_refund";
          redemptionId = str(take((e) => on(d, "RedemptionRejected")(e) && addr(e.args.holder) === to)?.args.id);
        } else if (ds.some((e) => e.name === "SignedTradeBatchSettled")) {
          kind = "trade_batch_net";
        } else if (escrow && to === escrow) {
          kind = "escrow_lock";
          tradeId = str(ds.find((e) => e.name === "LegFunded" && addr(e.args.party) === from && addr(e.args.token) === d.address)?.args.tradeId);
        } else if (escrow && from === escrow) {
          const refunded = ds.find((e) => (e.name === "LegRefunded" && addr(e.args.party) === to && addr(e.args.token) === d.address) || (e.name === "RefundClaimed" && addr(e.args.party) === to && addr(e.args.token) === d.address));
          const settled = ds.find((e) => e.name === "TradeSettled");
          if (refunded) {
            kind = "escrow_refund";
            tradeId = str(refunded.args.tradeId);
          } else if (ds.some((e) => e.name === "ExcessReturned" && addr(e.args.token) === d.address)) kind = "escrow_excess";
          else {
            kind = "escrow_settle";
            tradeId = str(settled?.args.tradeId);
          }
        } else if (ds.some((e) => e.name === "TradeSettled" || e.name === "SignedTradeSettled")) {
          kind = "trade_delivery";
          const signed = ds.find((e) => e.name === "SignedTradeSettled" && legOf(e.args.terms, d.address, from, to));
          tradeId = str(signed ? signed.args.tradeHash : ds.find((e) => e.name === "TradeSettled")?.args.tradeId);
        } else if (ds.some(on(d, "PaymentBatchSettled"))) {
          kind = "batch_net";
        } else if (ds.some((e) => e.name === "QuotePaid")) {
          kind = "fx_payment";
          reference = lower(String(ds.find((e) => e.name === "QuotePaid")!.args.ref));
        } else {
          const referenced = take((e) => on(d, "ReferencedTransfer")(e) && same(e, from, to));
          reference = referenced ? lower(referenced.args.ref) : null;
          if (d.contractKind === "SecurityToken") kind = "transfer";
          else plainPayment = !referenced;
        }
        w.insert("movements", [...at(d), d.address, from, to, amount.toString(), kind, reference, legalRef, depositRef, redemptionId, tradeId === null ? null : lower(tradeId)]);
        if (plainPayment) {
          const auth = ds.find((e) => on(d, "AuthorizationUsed")(e) && addr(e.args.authorizer) === from && e.logIndex < d.logIndex);
          w.insert("payments", [...at(d), d.address, from, to, amount.toString(), null, auth ? lower(auth.args.nonce) : null, null]);
        }
        break;
      }
      case "ReferencedTransfer": {
        const batch = ds.find((e) => on(d, "PaymentBatchSettled")(e) && e.logIndex > d.logIndex);
        const auth = [...ds].reverse().find((e) => on(d, "AuthorizationUsed")(e) && addr(e.args.authorizer) === addr(a.from) && e.logIndex < d.logIndex);
        w.insert("payments", [...at(d), d.address, addr(a.from), addr(a.to), String(a.amount), lower(a.ref), auth ? lower(auth.args.nonce) : null, batch ? batch.logIndex : null]);
        break;
      }
      case "PaymentBatchSettled":
        w.insert("payment_batches", [...at(d), d.address, addr(a.submitter), Number(a.instructions), String(a.grossValue), String(a.netValue)]);
        break;
      case "Issued":
        w.insert("issuances", [...at(d), d.address, addr(a.to), String(a.amount), lower(a.depositRef), addr(a.issuer)]);
        break;
      case "SecuritiesIssued":
        w.insert("issuances", [...at(d), d.address, addr(a.to), String(a.amount), null, addr(a.issuer)]);
        break;
      case "RedemptionRequested":
        w.insert("redemptions", [d.address, String(a.id), addr(a.holder), String(a.amount), "pending", d.txHash, d.time]);
        break;
      case "RedemptionCompleted":
      case "RedemptionRejected":
        w.change(`UPDATE redemptions SET status = $3, outcome_tx = $4, outcome_time = $5, reject_reason = $6 WHERE token = $1 AND id = $2 RETURNING id`,
          [d.address, String(a.id), d.name === "RedemptionCompleted" ? "completed" : "rejected", d.txHash, d.time, d.name === "RedemptionRejected" ? lower(a.reason) : null], true);
        break;
      case "Frozen":
      case "Unfrozen":
        if (!token) break;
        w.insert("freezes", [...at(d), d.address, addr(a.wallet), d.name === "Frozen", addr(a.operator)]);
        break;
      case "ParticipantOnboarded":
      case "ParticipantNamed":
      case "StatusChanged":
      case "KycRenewed":
      case "WalletLinked":
      case "WalletUnlinked":
      case "ParticipantLegalName": {
        const id = lower(a.id);
        const change = ({ ParticipantOnboarded: "onboarded", ParticipantNamed: "named", StatusChanged: "status", KycRenewed: "kyc", WalletLinked: "wallet_linked", WalletUnlinked: "wallet_unlinked", ParticipantLegalName: "legal_name" } as Record<string, string>)[d.name];
        const [previous, value] = d.name === "ParticipantOnboarded" ? [null, String(a.kycExpiry)]
          : d.name === "ParticipantNamed" ? [null, String(a.name)]
          : d.name === "ParticipantLegalName" ? [null, String(a.legalName)]
            : d.name === "StatusChanged" ? [String(a.previous), String(a.status)]
              : d.name === "KycRenewed" ? [String(a.previous), String(a.kycExpiry)]
                : [null, addr(a.wallet)];
        w.insert("participant_changes", [...at(d), id, change, previous, value]);
        await q.query("INSERT INTO participants (id, updated_block) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET updated_block = EXCLUDED.updated_block", [id, d.blockNumber]);
        if (d.name === "ParticipantOnboarded") await q.query("UPDATE participants SET kyc_expiry = $2 WHERE id = $1", [id, String(a.kycExpiry)]);
        if (d.name === "KycRenewed") await q.query("UPDATE participants SET kyc_expiry = $2 WHERE id = $1", [id, String(a.kycExpiry)]);
        if (d.name === "StatusChanged") await q.query("UPDATE participants SET status = $2 WHERE id = $1", [id, Number(a.status)]);
        if (d.name === "ParticipantNamed") await q.query("UPDATE participants SET name = $2 WHERE id = $1", [id, String(a.name)]);
        if (d.name === "ParticipantLegalName") await q.query("UPDATE participants SET legal_name = $2 WHERE id = $1", [id, String(a.legalName)]);
        if (d.name === "WalletLinked" || d.name === "WalletUnlinked") {
          await q.query(`INSERT INTO participant_wallets (wallet, participant_id, linked, updated_block) VALUES ($1, $2, $3, $4)
            ON CONFLICT (wallet) DO UPDATE SET participant_id = EXCLUDED.participant_id, linked = EXCLUDED.linked, updated_block = EXCLUDED.updated_block`,
          [addr(a.wallet), id, d.name === "WalletLinked", d.blockNumber]);
        }
        break;
      }
      case "TradeProposed":
      case "SignedTradeSettled": {
        const t = a.terms;
        const signed = d.name === "SignedTradeSettled";
        w.insert("trades", [lower(signed ? a.tradeHash : a.tradeId), signed ? "signed" : "escrow", byAddress.get(addr(t.asset))?.kind === "DepositToken" ? "pvp" : "dvp", lower(t.ref),
          addr(t.seller), addr(t.buyer), addr(t.asset), String(t.assetAmount), addr(t.cash), String(t.cashAmount), Number(t.deadline),
          signed ? "settled" : "proposed", d.txHash, d.time, signed ? d.txHash : null, signed ? d.time : null]);
        break;
      }
      case "LegFunded":
        w.change("UPDATE trades SET status = 'funded' WHERE trade_id = $1 AND status = 'proposed' RETURNING trade_id", [lower(a.tradeId)], true);
        break;
      case "TradeSettled":
      case "TradeCancelled":
      case "TradeExpired":
      case "TradeClosedByOrder": {
        const status = ({ TradeSettled: "settled", TradeCancelled: "cancelled", TradeExpired: "expired", TradeClosedByOrder: "closed_by_order" } as Record<string, string>)[d.name];
        w.change("UPDATE trades SET status = $2, closed_tx = $3, closed_time = $4, legal_ref = $5 WHERE trade_id = $1 RETURNING trade_id",
          [lower(a.tradeId), status, d.txHash, d.time, d.name === "TradeClosedByOrder" ? lower(a.legalRef) : null], true);
        break;
      }
      case "ReservesAttested":
        w.insert("reserve_attestations", [...at(d), d.address, deskToken(d.address), String(a.amount), lower(a.reportHash), Number(a.asOf), String(a.available), String(a.supply), addr(a.attester)]);
        break;
      default:
        break;
    }
  }
}

/** True when a transfer of `token` from `from` to `to` is a leg of the trade `terms`. */
function legOf(terms: ethers.Result, token: string, from: string, to: string): boolean {
  const [seller, buyer, asset, cash] = [terms.seller, terms.buyer, terms.asset, terms.cash].map((v) => lower(String(v)));
  return (token === asset && from === seller && to === buyer) || (token === cash && from === buyer && to === seller);
}
