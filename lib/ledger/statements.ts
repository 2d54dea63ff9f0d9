/**
 * Account statements from the ledger: for a participant and a period, one Statement (statement-types.ts)
 * per wallet and deposit token, ready for camt053(), camt054() and statementCsv() (statement.ts).
 *
 * - Opening booked balance: every movement of the wallet booked before the period's start; closing: the
 *   opening plus the period's credits minus its debits.
 * - Entries: every Transfer of the token to or from the wallet booked in the period (both ends included),
 *   in booking order, its direction from the wallet's side. A transfer from the wallet to itself moves
 *   nothing and is not an entry.
 * - The entry's reference is the one its movement carried: the payment's (a ReferencedTransfer, an FX
 *   payment), the legal reference of a forced transfer, the deposit reference of an issuance, the trade's
 *   reference for a settlement leg; else zero. The UETR, end-to-end id, remittance, creditor reference and
 *   reference text are the information the transaction carried for that reference (payment_information).
 * - The counterparty: the participant that owns the other wallet (its name, its LEI), or the deployment's
 *   contract by its record key (the escrow, FxQuotes, the token itself as redemption custody); none for an
 *   issuance or a burn, where the bank itself is the other side.
 */
import { ethers } from "ethers";
import { Failure } from "../failure";
import { isoDate, participantFields, participantNameLabel } from "../format";
import { isDevelopmentNetwork } from "../networks";
import type { Queryable } from "./db";
import type { LedgerParticipant } from "./payments";
import { isBic, isLei } from "./statement";
import type { Counterparty, CreditNotification, Entry, EntryKind, Servicer, Statement } from "./statement-types";

/** The servicer's name on a development network when BANK_NAME is not set. */
export const DEVELOPMENT_BANK_NAME = "Development Bank (not a real institution)";

/** Each kind of movement (movements.kind, lib/ledger/sync.ts) as a statement entry's kind. */
export const MOVEMENT_KINDS: Readonly<Record<string, EntryKind>> = Object.freeze({
  payment: "payment",
  batch_net: "payment",
  issuance: "issuance",
  redemption_request: "redemption",
  redemption_payout: "redemption",
  burn: "redemption",
  redemption_refund: "redemption-refund",
  forced_transfer: "forced-transfer",
  escrow_lock: "trade",
  escrow_settle: "trade",
  trade_delivery: "trade",
  trade_batch_net: "trade",
  escrow_refund: "trade-refund",
  escrow_excess: "trade-refund",
  fx_payment: "fx-payment",
});

/**
 * The bank that keeps the accounts, from BANK_NAME, BANK_BIC and BANK_LEI. BANK_NAME is required except on
 * a development network (DEVELOPMENT_BANK_NAME then); a BIC or an LEI that is not one is one line naming
 * its variable.
 */
export function servicerFromEnv(network: string, env: NodeJS.ProcessEnv = process.env): Servicer {
  const name = env.BANK_NAME?.trim() ?? "";
  const bic = env.BANK_BIC?.trim() ?? "";
  const lei = env.BANK_LEI?.trim() ?? "";
  if (name === "" && !isDevelopmentNetwork(network, env)) {
    throw new Failure("BAD_INPUT", `BANK_NAME is not set: the statements of network "${network}" name the bank that keeps the accounts (BANK_NAME, and BANK_BIC or BANK_LEI)`);
  }
  if ([...name].length > 140) throw new Failure("BAD_INPUT", `BANK_NAME has ${[...name].length} characters; ISO 20022 allows at most 140`);
  if (bic !== "" && !isBic(bic)) throw new Failure("BAD_INPUT", `BANK_BIC "${bic}" is not a BIC (ISO 9362: 8 or 11 capitals or digits)`);
  if (lei !== "" && !isLei(lei)) throw new Failure("BAD_INPUT", `BANK_LEI "${lei}" is not an LEI (ISO 17442: 20 capitals or digits with valid check digits)`);
  return { name: name || DEVELOPMENT_BANK_NAME, ...(bic ? { bic } : {}), ...(lei ? { lei } : {}) };
}

/** A period bound as YYYYMMDD (UTC). */
const compactDay = (seconds: number) => isoDate(seconds).slice(0, 10).replace(/-/g, "");

/**
 * A statement's identification, stable for one wallet, currency and period and at most 35 characters:
 * the wallet's first 8 hex digits, the currency, the period's days and 4 hex digits of a hash of all of
 * them ("976ea740-USD-20270101-20270131-3fa2"), so two periods within the same days still differ.
 */
export function statementId(wallet: string, currency: string, from: number, to: number): string {
  const hash = ethers.id(`${wallet.toLowerCase()}:${currency}:${from}:${to}`).slice(2, 6);
  return `${wallet.toLowerCase().slice(2, 10)}-${currency}-${compactDay(from)}-${compactDay(to)}-${hash}`;
}

/** A credit notification's identification: the wallet's first 8 hex digits, the currency and the log ("976ea740-USD-412-3"). */
export function notificationId(wallet: string, currency: string, entry: Entry): string {
  return `${wallet.toLowerCase().slice(2, 10)}-${currency}-${entry.blockNumber}-${entry.logIndex}`;
}

/**
 * The owner of an account or counterparty as a statement names it: the participant's legal name (else the
 * name its id was made from, else its LEI label, else its id) and its LEI apart.
 */
function partyOf(name: string | undefined, legalName: string | undefined, id: string): { name: string; lei?: string } {
  if (!name && !legalName) return { name: id };
  const fields = participantFields(name, legalName);
  const lei = fields.lei !== null && isLei(fields.lei) ? fields.lei : undefined;
  return { name: fields.name ?? (name ? participantNameLabel(name) : id), ...(lei ? { lei } : {}) };
}

const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v));

/**
 * One Statement per wallet of the participant and deposit token it holds or moved by `to`, for the period
 * `from` to `to` (unix seconds, both included), ordered by wallet, then currency. The statements are
 * checked by the generators (checkStatement) when written.
 */
export async function participantStatements(db: Queryable, participant: LedgerParticipant, from: number, to: number, servicer: Servicer, createdAt = new Date()): Promise<Statement[]> {
  if (participant.wallets.length === 0) return [];
  const wallets = participant.wallets.map((w) => w.toLowerCase());
  const [start, end] = [new Date(from * 1000), new Date(to * 1000)];
  const tokens = new Map((await db.query("SELECT address, name, decimals FROM contracts WHERE kind = 'DepositToken'"))
    .map((r) => [String(r.address), { currency: String(r.name), decimals: Number(r.decimals) }]));
  const contracts = new Map((await db.query("SELECT address, key FROM contracts")).map((r) => [String(r.address), String(r.key)]));
  const owners = new Map((await db.query("SELECT w.wallet, w.participant_id, p.name, p.legal_name FROM participant_wallets w JOIN participants p ON p.id = w.participant_id"))
    .map((r) => [String(r.wallet), partyOf(text(r.name), text(r.legal_name), String(r.participant_id))]));

  type Key = string;
  const statements = new Map<Key, { wallet: string; token: string; opening: bigint; entries: Entry[] }>();
  const statementOf = (wallet: string, token: string) => {
    const key = `${wallet}|${token}`;
    if (!statements.has(key)) statements.set(key, { wallet, token, opening: 0n, entries: [] });
    return statements.get(key)!;
  };

  const openings = await db.query(`
    SELECT w.wallet, m.token,
           SUM(CASE WHEN m.to_address = w.wallet THEN m.amount ELSE 0 END)::text AS credits,
           SUM(CASE WHEN m.from_address = w.wallet THEN m.amount ELSE 0 END)::text AS debits
      FROM movements m
      JOIN contracts c ON c.address = m.token AND c.kind = 'DepositToken'
      JOIN unnest($1::text[]) AS w(wallet) ON m.from_address = w.wallet OR m.to_address = w.wallet
     WHERE m.block_time < $2
     GROUP BY w.wallet, m.token`, [wallets, start]);
  for (const r of openings) statementOf(String(r.wallet), String(r.token)).opening = BigInt(String(r.credits)) - BigInt(String(r.debits));

  const rows = await db.query(`
    SELECT m.tx_hash, m.log_index, m.block_number::text AS block_number, m.block_time, m.token, m.from_address, m.to_address,
           m.amount::text AS amount, m.kind, r.reference,
           i.text_reference, i.uetr, i.end_to_end_id, i.remittance, i.creditor_reference
      FROM movements m
      JOIN contracts c ON c.address = m.token AND c.kind = 'DepositToken'
      LEFT JOIN trades t ON t.trade_id = m.trade_id
      CROSS JOIN LATERAL (SELECT COALESCE(m.reference, m.legal_ref, m.deposit_ref, t.ref) AS reference) r
      LEFT JOIN payment_information i ON i.tx_hash = m.tx_hash AND i.reference = r.reference
     WHERE (m.from_address = ANY($1) OR m.to_address = ANY($1))
       AND m.block_time >= $2 AND m.block_time <= $3
     ORDER BY m.block_number, m.log_index`, [wallets, start, end]);
  const own = new Set(wallets);
  for (const r of rows) {
    const [fromAddress, toAddress] = [String(r.from_address), String(r.to_address)];
    if (fromAddress === toAddress) continue;
    const kind = MOVEMENT_KINDS[String(r.kind)];
    if (kind === undefined) throw new Failure("FAILED", `movement ${String(r.tx_hash)}:${Number(r.log_index)} has kind "${String(r.kind)}", which no statement entry maps`);
    for (const direction of ["DBIT", "CRDT"] as const) {
      const wallet = direction === "DBIT" ? fromAddress : toAddress;
      if (!own.has(wallet)) continue;
      const other = direction === "DBIT" ? toAddress : fromAddress;
      statementOf(wallet, String(r.token)).entries.push({
        bookedAt: new Date(r.block_time as Date),
        txHash: String(r.tx_hash),
        logIndex: Number(r.log_index),
        blockNumber: Number(r.block_number),
        direction,
        amount: BigInt(String(r.amount)),
        kind,
        counterparty: counterparty(other, String(r.token), contracts, owners),
        uetr: text(r.uetr),
        endToEndId: text(r.end_to_end_id),
        remittance: text(r.remittance),
        creditorReference: text(r.creditor_reference),
        referenceText: text(r.text_reference),
        reference: text(r.reference) ?? ethers.ZeroHash,
      });
    }
  }

  const account = partyOf(participant.name, participant.legalName, participant.id);
  return [...statements.values()]
    .map((s) => {
      const { currency, decimals } = tokens.get(s.token)!;
      const delta = s.entries.reduce((sum, e) => sum + (e.direction === "CRDT" ? e.amount : -e.amount), 0n);
      return {
        id: statementId(s.wallet, currency, from, to), createdAt, from: start, to: end, servicer,
        account: { address: s.wallet, ownerName: account.name, ...(account.lei ? { ownerLei: account.lei } : {}) },
        currency, decimals, opening: s.opening, closing: s.opening + delta, entries: s.entries,
      } satisfies Statement;
    })
    .sort((a, b) => a.account.address.localeCompare(b.account.address) || a.currency.localeCompare(b.currency));
}

/** The other side of an entry: a participant's wallet, a contract of the deployment, or none (the zero address: the bank). */
function counterparty(address: string, token: string, contracts: Map<string, string>, owners: Map<string, { name: string; lei?: string }>): Counterparty | undefined {
  if (address === ethers.ZeroAddress) return undefined;
  const key = contracts.get(address);
  if (key !== undefined) return { address, name: address === token ? `${key} (redemption custody)` : key };
  const owner = owners.get(address);
  return owner ? { address, ...owner } : { address };
}

/** The incoming payments of a statement (credits of kind payment or fx-payment), each as a camt.054 credit notification. */
export function creditNotifications(statement: Statement): CreditNotification[] {
  return statement.entries
    .filter((e) => e.direction === "CRDT" && (e.kind === "payment" || e.kind === "fx-payment"))
    .map((entry) => ({
      id: notificationId(statement.account.address, statement.currency, entry), createdAt: statement.createdAt, servicer: statement.servicer,
      account: statement.account, currency: statement.currency, decimals: statement.decimals, entry,
    }));
}

/** A text safe in a file name: letters, digits, dot, dash and underscore; anything else as "_". */
const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "") || "_";

/** A period bound in a file name: its day when it is a whole day's bound, else its time ("20270101T120000Z"). */
function fileTime(seconds: number, day: "start" | "end"): string {
  const text = isoDate(seconds);
  return text.endsWith(day === "start" ? "T00:00:00Z" : "T23:59:59Z") ? text.slice(0, 10) : text.replace(/[-:]/g, "");
}

/**
 * The name of a statement's files without the message prefix and extension:
 * `<participant>.<wallet8>.<CCY>.<from>_<to>` (camt053.<this>.xml, .csv beside it); with an entry, a
 * notification's: `<participant>.<wallet8>.<CCY>.<block>-<log index>` (camt054.<this>.xml). The participant
 * is its LEI, else its name, else its id's first 8 hex digits.
 */
export function statementFileStem(participant: LedgerParticipant, statement: Statement, entry?: Entry): string {
  const fields = participantFields(participant.name);
  const who = fileSafe(fields.lei ?? fields.name ?? participant.id.slice(0, 10));
  const head = `${who}.${statement.account.address.toLowerCase().slice(2, 10)}.${statement.currency}`;
  if (entry) return `${head}.${entry.blockNumber}-${entry.logIndex}`;
  return `${head}.${fileTime(statement.from.getTime() / 1000, "start")}_${fileTime(statement.to.getTime() / 1000, "end")}`;
}
