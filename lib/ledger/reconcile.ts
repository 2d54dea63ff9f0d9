import { ethers, Interface } from "ethers";
import { Failure } from "../failure";
import { formatAmount, participantDisplay, participantFields } from "../format";
import { ledgerInterface } from "./abis";
import type { Queryable } from "./db";
import { pooled, readCursor, type Rpc } from "./sync";

/**
 * What a difference is about: a wallet's balance in a token, a token's total supply, what the escrow holds
 * locked in a token, a refund waiting in the escrow (one party's, or a token's total), a deposit token's
 * pending redemptions, or an issuance desk's reserves (the attested amount, or what is available of it).
 */
export type FigureKind = "balance" | "supply" | "locked" | "refund" | "redemptions" | "reserves";

export const FIGURE_KINDS: readonly FigureKind[] = ["balance", "supply", "locked", "refund", "redemptions", "reserves"];

/** One figure the ledger and the chain disagree on, in the token's smallest unit. */
export interface Difference {
  what: FigureKind;
  /** The wallet or contract the figure belongs to (lower case): the holder, the refund's party, the desk; absent for a token's own figure. */
  wallet?: string;
  /** The wallet as people know it: the participant that linked it, or the deployment's contract. */
  walletLabel?: string;
  /** The participant of the wallet, when the ledger knows one. */
  participant?: { id: string; name?: string; legalName?: string };
  /** The token's address (lower case) and its currency or ISIN. */
  token: string;
  tokenLabel: string;
  decimals: number;
  /** For a refund: "total" (all parties) or "party"; for reserves: "attested" or "available". */
  detail?: string;
  database: bigint;
  chain: bigint;
}

export interface ReconcileOptions {
  /** The block to compare at (default: the ledger's last indexed block). */
  at?: number;
}

export interface ReconcileResult {
  block: number;
  /** How many figures of each kind were compared. */
  compared: Record<FigureKind, number>;
  differences: Difference[];
  seconds: number;
}

const ZERO = ethers.ZeroAddress;
const TOKEN = (): Interface => ledgerInterface("DepositToken");
const ESCROW = (): Interface => ledgerInterface("DvPEscrow");
const DESK = (): Interface => ledgerInterface("IssuanceDesk");
const STATE_GONE = /missing trie node|header not found/i;

interface LedgerContract {
  address: string;
  key: string;
  kind: string;
  name: string;
  decimals: number | null;
}

const errorText = (e: unknown) => {
  const err = e as { message?: string; error?: unknown; info?: unknown };
  return `${err?.message ?? String(e)} ${JSON.stringify(err?.error ?? "")} ${JSON.stringify(err?.info ?? "")}`;
};

/**
 * Compares the ledger with the chain at one block: each wallet's balance in each token (credits less debits
 * in `movements` against balanceOf, for every address of the movements, every linked wallet and the
 * deployment's escrow, tokens (their custody of pending redemptions), desks and FxQuotes), each token's total
 * supply, the escrow's locked legs and pending refunds per token and per party (from its events), the pending
 * redemptions of each deposit token and each desk's attested and available reserves (the last attestation
 * less the payouts since its cut-off). A block beyond the ledger or before the deployment is refused; a node
 * that no longer keeps the block's state is one line saying so.
 */
export async function reconcileLedger(db: Queryable, rpc: Rpc, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const started = Date.now();
  const cursor = await readCursor(db);
  if (!cursor) throw new Failure("NOT_FOUND", "the ledger is empty: run npm run ledger -- sync first");
  const block = options.at ?? cursor.lastBlock;
  if (!Number.isSafeInteger(block) || block < 0) throw new Failure("BAD_INPUT", `--at "${options.at}" is not a block number`);
  if (block > cursor.lastBlock) {
    throw new Failure("BAD_INPUT", `--at ${block} is beyond the ledger's last indexed block ${cursor.lastBlock}: sync the ledger first, or reconcile at an earlier block`);
  }
  if (block < cursor.firstBlock) {
    throw new Failure("BAD_INPUT", `--at ${block} is before the deployment (its first block is ${cursor.firstBlock}): nothing was recorded there`);
  }
  const chainId = Number(await rpc.send("eth_chainId", []));
  if (chainId !== cursor.chainId) {
    throw new Failure("REFUSED", `the ledger follows chain id ${cursor.chainId} (network "${cursor.network}"), but the node answers with chain id ${chainId}`);
  }
  const head = (await rpc.send("eth_getBlockByNumber", [ethers.toQuantity(cursor.lastBlock), false])) as { hash: string } | null;
  if (!head || head.hash.toLowerCase() !== cursor.lastHash.toLowerCase()) {
    throw new Failure("REFUSED", `the ledger indexed block ${cursor.lastBlock} with hash ${cursor.lastHash}, but the node has ${head ? `hash ${head.hash}` : "no such block"} there: a different chain`);
  }

  const tag = ethers.toQuantity(block);
  const call = async (to: string, iface: Interface, fn: string, args: unknown[] = []): Promise<ethers.Result> => {
    let data: string;
    try {
      data = (await rpc.send("eth_call", [{ to, data: iface.encodeFunctionData(fn, args) }, tag])) as string;
    } catch (e) {
      if (STATE_GONE.test(errorText(e))) {
        throw new Failure("NETWORK", `the node keeps no state at block ${block}: reconcile at a recent block or use an archive node (--gcmode archive)`);
      }
      throw e;
    }
    return iface.decodeFunctionResult(fn, data);
  };
  const uint = async (to: string, iface: Interface, fn: string, args: unknown[] = []) => BigInt((await call(to, iface, fn, args))[0]);

  const contracts = (await db.query("SELECT address, key, kind, name, decimals FROM contracts ORDER BY key")).map((r) => ({
    address: String(r.address), key: String(r.key), kind: String(r.kind), name: String(r.name), decimals: r.decimals === null ? null : Number(r.decimals),
  })) as LedgerContract[];
  const tokens = contracts.filter((c) => c.kind === "DepositToken" || c.kind === "SecurityToken");
  const escrow = contracts.find((c) => c.kind === "DvPEscrow");
  const desks = contracts.filter((c) => c.kind === "IssuanceDesk");
  const decimals = new Map<string, number>();
  for (const t of tokens) decimals.set(t.address, t.decimals ?? Number(await uint(t.address, TOKEN(), "decimals")));

  // Who the wallets are: the participant that linked each (the last link stands), else the deployment's contract.
  const owners = new Map<string, { id: string; name?: string; legalName?: string }>();
  for (const r of await db.query("SELECT w.wallet, p.id, p.name, p.legal_name FROM participant_wallets w JOIN participants p ON p.id = w.participant_id")) {
    owners.set(String(r.wallet), { id: String(r.id), ...(r.name === null ? {} : { name: String(r.name) }), ...(r.legal_name === null ? {} : { legalName: String(r.legal_name) }) });
  }
  const keys = new Map(contracts.map((c) => [c.address, c.key]));
  const walletOf = (wallet: string) => {
    const owner = owners.get(wallet);
    if (owner) return { wallet, walletLabel: participantDisplay(owner.id, owner.name, owner.legalName), participant: owner };
    const key = keys.get(wallet);
    return key ? { wallet, walletLabel: key } : { wallet };
  };
  const tokenOf = (address: string) => ({ token: address, tokenLabel: tokens.find((t) => t.address === address)?.name ?? address, decimals: decimals.get(address) ?? 0 });

  const compared: Record<FigureKind, number> = { balance: 0, supply: 0, locked: 0, refund: 0, redemptions: 0, reserves: 0 };
  const differences: Difference[] = [];
  const compare = (what: FigureKind, token: string, database: bigint, chain: bigint, wallet?: string, detail?: string) => {
    compared[what] += 1;
    if (database !== chain) differences.push({ what, ...(wallet ? walletOf(wallet) : {}), ...tokenOf(token), ...(detail ? { detail } : {}), database, chain });
  };
  const big = (v: unknown) => BigInt(String(v ?? "0"));

  // Balances: credits less debits of every address, in every token.
  const held = new Map<string, bigint>();
  for (const r of await db.query(`
      SELECT token, wallet, SUM(amount)::text AS balance FROM (
        SELECT token, to_address AS wallet, amount FROM movements WHERE block_number <= $1
        UNION ALL
        SELECT token, from_address AS wallet, -amount FROM movements WHERE block_number <= $1) m
       GROUP BY token, wallet`, [block])) held.set(`${r.token} ${r.wallet}`, big(r.balance));
  const addresses = new Set<string>();
  for (const r of await db.query(`SELECT from_address AS a FROM movements WHERE block_number <= $1 UNION SELECT to_address FROM movements WHERE block_number <= $1
      UNION SELECT wallet FROM participant_wallets`, [block])) addresses.add(String(r.a));
  for (const c of contracts) if (["DepositToken", "SecurityToken", "DvPEscrow", "FxQuotes", "IssuanceDesk"].includes(c.kind)) addresses.add(c.address);
  addresses.delete(ZERO.toLowerCase());
  const pairs = tokens.flatMap((t) => [...addresses].sort().map((a) => ({ token: t.address, wallet: a })));
  const balances = await pooled(pairs, 8, (p) => uint(p.token, TOKEN(), "balanceOf", [p.wallet]));
  pairs.forEach((p, i) => compare("balance", p.token, held.get(`${p.token} ${p.wallet}`) ?? 0n, balances[i], p.wallet));

  // Supply: issued less burnt.
  const supply = new Map((await db.query(`
      SELECT token, (COALESCE(SUM(amount) FILTER (WHERE from_address = $2), 0) - COALESCE(SUM(amount) FILTER (WHERE to_address = $2), 0))::text AS supply
        FROM movements WHERE block_number <= $1 GROUP BY token`, [block, ZERO.toLowerCase()])).map((r) => [String(r.token), big(r.supply)]));
  for (const t of tokens) compare("supply", t.address, supply.get(t.address) ?? 0n, await uint(t.address, TOKEN(), "totalSupply"));

  // The escrow: locked legs and pending refunds, replayed from its events.
  if (escrow) {
    const locked = new Map<string, bigint>();
    const refundTotal = new Map<string, bigint>();
    const refunds = new Map<string, bigint>();
    const open = new Map<string, { token: string; amount: bigint }>();
    const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
    const events = await db.query(`SELECT name, args FROM events WHERE contract = $1 AND block_number <= $2
        AND name IN ('LegFunded', 'LegRefunded', 'RefundPending', 'RefundClaimed') ORDER BY block_number, log_index`, [escrow.address, block]);
    for (const { name, args } of events as { name: string; args: Record<string, string> }[]) {
      const [token, amount] = [String(args.token).toLowerCase(), big(args.amount)];
      const trade = String(args.tradeId ?? "").toLowerCase();
      if (name === "LegFunded") {
        // The second leg settles the trade: it moves straight to the counterparty, and the first leg leaves the escrow.
        const first = open.get(trade);
        if (first) {
          add(locked, first.token, -first.amount);
          open.delete(trade);
        } else {
          open.set(trade, { token, amount });
          add(locked, token, amount);
        }
      } else if (name === "LegRefunded" || name === "RefundPending") {
        add(locked, token, -amount);
        open.delete(trade);
        if (name === "RefundPending") {
          add(refundTotal, token, amount);
          add(refunds, `${token} ${String(args.party).toLowerCase()}`, amount);
        }
      } else {
        add(refundTotal, token, -amount);
        add(refunds, `${token} ${String(args.party).toLowerCase()}`, -amount);
      }
    }
    for (const t of tokens) {
      compare("locked", t.address, locked.get(t.address) ?? 0n, await uint(escrow.address, ESCROW(), "lockedBalance", [t.address]));
      compare("refund", t.address, refundTotal.get(t.address) ?? 0n, await uint(escrow.address, ESCROW(), "pendingRefundTotal", [t.address]), undefined, "total");
    }
    for (const [k, v] of [...refunds.entries()].sort()) {
      const [token, party] = k.split(" ");
      compare("refund", token, v, await uint(escrow.address, ESCROW(), "pendingRefund", [party, token]), party, "party");
    }
  }

  // Pending redemptions: requested by the block and not completed or rejected by it.
  const pending = new Map((await db.query(`
      SELECT r.token, SUM(r.amount)::text AS pending FROM redemptions r
       WHERE (SELECT MIN(block_number) FROM events WHERE tx_hash = r.requested_tx) <= $1
         AND (r.status = 'pending' OR (SELECT MIN(block_number) FROM events WHERE tx_hash = r.outcome_tx) > $1)
       GROUP BY r.token`, [block])).map((r) => [String(r.token), big(r.pending)]));
  for (const t of tokens.filter((c) => c.kind === "DepositToken")) {
    compare("redemptions", t.address, pending.get(t.address) ?? 0n, await uint(t.address, TOKEN(), "pendingRedemptions"));
  }

  // Reserves: the last attestation, and what is left of it after the payouts from its cut-off on.
  for (const desk of desks) {
    const token = tokens.find((t) => t.key === `DepositToken:${desk.name}`)?.address ?? desk.address;
    const [last] = await db.query(`SELECT amount::text AS amount, as_of FROM reserve_attestations WHERE desk = $1 AND block_number <= $2
        ORDER BY block_number DESC, log_index DESC LIMIT 1`, [desk.address, block]);
    const attested = last ? big(last.amount) : 0n;
    const [paid] = last ? await db.query(`SELECT COALESCE(SUM((args->>'amount')::numeric), 0)::text AS paid FROM events
        WHERE contract = $1 AND name = 'PayoutRecorded' AND block_number <= $2 AND EXTRACT(EPOCH FROM block_time) >= $3`, [desk.address, block, Number(last.as_of)]) : [{ paid: "0" }];
    const available = attested > big(paid.paid) ? attested - big(paid.paid) : 0n;
    const attestation = await call(desk.address, DESK(), "attestation");
    compare("reserves", token, attested, BigInt(attestation[0].amount), desk.address, "attested");
    compare("reserves", token, available, await uint(desk.address, DESK(), "availableReserves"), desk.address, "available");
  }
  return { block, compared, differences, seconds: (Date.now() - started) / 1000 };
}

const FIGURE_NAMES: Record<FigureKind, string> = {
  balance: "balance", supply: "total supply", locked: "locked in the escrow", refund: "pending refunds", redemptions: "pending redemptions", reserves: "reserves",
};

/** A difference in one line: what, whose, which token, the ledger's figure and the chain's, in currency units. */
export function differenceLine(d: Difference): string {
  const amount = (v: bigint) => `${formatAmount(v, d.decimals)} ${d.tokenLabel}`;
  const what = d.what === "reserves" ? `reserves ${d.detail}` : d.what === "refund" && d.detail === "party" ? "pending refund" : FIGURE_NAMES[d.what];
  const whose = d.wallet ? ` of ${d.wallet}${d.walletLabel ? ` (${d.walletLabel})` : ""}` : "";
  return `${d.what}: ${what}${whose} in ${d.tokenLabel}: ledger ${amount(d.database)}, chain ${amount(d.chain)}`;
}

/**
 * A difference for --json: the wallet's participant (id, LEI and name apart) or the deployment's contract
 * key, the amounts in the smallest unit (decimal strings) beside their text in currency units.
 */
export function differenceJson(d: Difference): Record<string, unknown> {
  return {
    what: d.what,
    detail: d.detail ?? null,
    wallet: d.wallet ?? null,
    participant: d.participant ? { id: d.participant.id, ...participantFields(d.participant.name, d.participant.legalName) } : null,
    contract: d.wallet && !d.participant ? d.walletLabel ?? null : null,
    token: d.token,
    tokenLabel: d.tokenLabel,
    database: d.database.toString(),
    chain: d.chain.toString(),
    databaseText: `${formatAmount(d.database, d.decimals)} ${d.tokenLabel}`,
    chainText: `${formatAmount(d.chain, d.decimals)} ${d.tokenLabel}`,
  };
}

/** What was compared, as a phrase: "24 balances, 3 supplies, ...". */
export function comparedText(compared: Record<FigureKind, number>): string {
  const names: Record<FigureKind, [string, string]> = {
    balance: ["balance", "balances"], supply: ["supply", "supplies"], locked: ["locked amount", "locked amounts"],
    refund: ["pending refund", "pending refunds"], redemptions: ["pending redemptions figure", "pending redemptions figures"], reserves: ["reserves figure", "reserves figures"],
  };
  return FIGURE_KINDS.map((k) => `${compared[k]} ${names[k][compared[k] === 1 ? 0 : 1]}`).join(", ");
}
