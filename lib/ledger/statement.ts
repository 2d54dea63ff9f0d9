/**
 * Account statements of the ledger, from one Statement (statement-types.ts), in three forms:
 *
 * - camt053(statement): ISO 20022 camt.053.001.08, BkToCstmrStmt, the end-of-period statement;
 * - camt054(notification): ISO 20022 camt.054.001.08, BkToCstmrDbtCdtNtfctn, the notice of one credit;
 * - statementCsv(statement): the same statement as RFC 4180 CSV for a spreadsheet.
 *
 * Every generator first checks its input (checkStatement, checkNotification) and refuses what does not add
 * up or what ISO 20022 cannot carry with one StatementError line naming the field and the value.
 *
 * How the chain maps onto ISO 20022 (the schema's lengths decide it):
 * - An account is identified by its wallet. A 0x address has 42 characters and an ISO account id
 *   (Othr/Id, Max34Text) at most 34, so Acct/Id/Othr/Id is the address as a base-36 number in capitals
 *   (walletAccountId, at most 31 characters, read back with walletOfAccountId), scheme
 *   Prtry "EVM-ADDRESS-BASE36", and the address itself, checksummed, is the account's proxy (Prxy/Id, type
 *   Prtry "EVM-ADDRESS"). Counterparty accounts (DbtrAcct, CdtrAcct) are written the same way.
 * - An entry is one Transfer log. (block number, log index) names a log on the chain, so it is the
 *   entry's AcctSvcrRef ("<block>:<log index>", Max35Text); the transaction hash and log index
 *   ("0x<hash>:<log index>", longer than 35) are the entry's AddtlNtryInf, and the on-chain reference
 *   (bytes32 hex) is the transaction's AddtlTxInf.
 * - The kind of movement is a proprietary bank transaction code (BkTxCd/Prtry/Cd, KIND_CODES), issued by
 *   the servicer's BIC (else its LEI) where the statement gives one.
 * - EndToEndId is NOTPROVIDED when the payer gave none, as ISO 20022 asks. A remittance is Ustrd; an
 *   ISO 11649 creditor reference is Strd/CdtrRefInf with type SCOR (issuer ISO).
 * - Amounts carry exactly the currency's ISO 4217 minor unit (JPY 100, USD 100.00, KWD 100.000);
 *   balances are never negative (a token balance cannot be), so their CdtDbtInd is CRDT.
 *
 * The CSV (statementCsv): a header row (STATEMENT_CSV_COLUMNS), then one row per record, CRLF line ends,
 * a field quoted (and its quotes doubled) when it holds a comma, a quote, CR or LF, else written as is.
 * The first column, `record`, says what a row is: one `opening` row (booked_at = the period's start,
 * amount = the opening balance), one `entry` row per entry in booking order, one `closing` row
 * (booked_at = the period's end, amount = the closing balance). Amounts are unsigned decimal strings with
 * the currency's minor unit; `direction` gives the sign (CRDT adds, DBIT subtracts; balances are CRDT).
 * Times are ISO 8601 UTC. `reference` is the bytes32 hex, `reference_text` the free text it is the hash of,
 * when the transaction carried one.
 *
 * Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with "=", "+", "-" or
 * "@" (or a tab or CR before one) as a formula, and a remittance, an end-to-end id or a name comes from a
 * payer. A field that starts with one of those six characters is written with a single quote before it
 * ("'=HYPERLINK(...)"), which a spreadsheet shows as text; so does a field that starts with a single quote
 * itself, so a reader of the file drops exactly one leading quote of a field that starts with one and reads
 * back the text as given. No other field can start so (amounts are unsigned, times and hex start with a digit or 0x). The
 * XML messages carry every text unchanged.
 */
import { create } from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces";
import { ethers } from "ethers";
import { currencyOf } from "../currencies";
import { formatAmount, parseAddress } from "../format";
import type { Counterparty, CreditNotification, Entry, EntryKind, Servicer, Statement, StatementAccount } from "./statement-types";

export type * from "./statement-types";

/** A statement, notification or entry that cannot be written as given; the message names what and why. */
export class StatementError extends Error {
  readonly code = "STATEMENT";
  constructor(message: string) {
    super(message);
    this.name = "StatementError";
  }
}

/** The XML namespaces of the two messages. */
export const CAMT053_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";
export const CAMT054_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08";

/** The proprietary scheme of Acct/Id/Othr/Id (the wallet as base 36) and the proxy type of the address. */
export const ACCOUNT_ID_SCHEME = "EVM-ADDRESS-BASE36";
export const ACCOUNT_PROXY_TYPE = "EVM-ADDRESS";

/** The proprietary bank transaction code of each kind of movement (BkTxCd/Prtry/Cd; the CSV's `kind` is the kind itself). */
export const KIND_CODES: Readonly<Record<EntryKind, string>> = Object.freeze({
  payment: "PAYMENT",
  issuance: "ISSUANCE",
  redemption: "REDEMPTION",
  "redemption-refund": "REDEMPTION-REFUND",
  "forced-transfer": "FORCED-TRANSFER",
  trade: "TRADE",
  "trade-refund": "TRADE-REFUND",
  "fx-payment": "FX-PAYMENT",
});

/** The columns of statementCsv, in order. */
export const STATEMENT_CSV_COLUMNS = [
  "record", "booked_at", "direction", "amount", "currency", "kind",
  "counterparty_name", "counterparty_lei", "counterparty_address",
  "uetr", "end_to_end_id", "remittance", "creditor_reference", "reference", "reference_text",
  "tx_hash", "log_index", "block_number",
] as const;

/** What ISO 20022 writes when the payer gave no end-to-end identification. */
export const NOT_PROVIDED = "NOTPROVIDED";

// ---------------------------------------------------------------------------------------------------
// Values

/** The most digits an ISO 20022 amount (ActiveOrHistoricCurrencyAndAmount, DecimalNumber) can have. */
const MAX_AMOUNT_DIGITS = 18;

/** An amount in the smallest unit as a plain decimal string with exactly `decimals` decimals ("1250000.00"). */
export function decimalAmount(value: bigint, decimals: number): string {
  return formatAmount(value, decimals).replace(/,/g, "");
}

/** A time as ISO 8601 UTC, milliseconds only when there are some ("2026-11-30T23:59:59Z"). */
export function isoDateTime(date: Date): string {
  return date.toISOString().replace(".000Z", "Z");
}

/** The wallet as an ISO 20022 account id: the address as a base-36 number in capitals (at most 31 characters). */
export function walletAccountId(address: string): string {
  return BigInt(parseAddress(address, "wallet")).toString(36).toUpperCase();
}

/** The checksummed address of an account id made by walletAccountId. */
export function walletOfAccountId(id: string): string {
  if (!/^[0-9A-Z]{1,31}$/.test(id)) throw new StatementError(`account id "${id}" is not a wallet in base 36 (1 to 31 digits and capitals)`);
  let value = 0n;
  for (const c of id) value = value * 36n + BigInt(parseInt(c, 36));
  if (value >= 1n << 160n) throw new StatementError(`account id "${id}" is larger than an address`);
  return ethers.getAddress(ethers.toBeHex(value, 20));
}

/** ISO 7064 MOD 97-10 of an alphanumeric string (letters A=10 .. Z=35), as LEIs and ISO 11649 use it. */
function mod97(text: string): number {
  let rest = 0;
  for (const c of text) {
    const digits = /[0-9]/.test(c) ? c : String(c.charCodeAt(0) - 55);
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest;
}

/** An LEI (ISO 17442): 18 capitals or digits and two check digits, MOD 97-10 equal to 1. */
export function isLei(text: string): boolean {
  return /^[0-9A-Z]{18}[0-9]{2}$/.test(text) && mod97(text) === 1;
}

/** A BIC (ISO 9362): 4 + 2 letters + 2 (+ 3) capitals or digits. */
export function isBic(text: string): boolean {
  return /^[0-9A-Z]{4}[A-Z]{2}[0-9A-Z]{2}([0-9A-Z]{3})?$/.test(text);
}

/** An ISO 11649 creditor reference in its electronic form: "RF", two check digits, 1 to 21 capitals or digits. */
export function isCreditorReference(text: string): boolean {
  return /^RF[0-9]{2}[0-9A-Z]{1,21}$/.test(text) && mod97(text.slice(4) + text.slice(0, 4)) === 1;
}

/** A UETR: a UUID version 4 in lower case, as ISO 20022's UUIDv4Identifier has it. */
const UETR = /^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/;

/** Characters XML 1.0 cannot carry: the C0 controls other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

// ---------------------------------------------------------------------------------------------------
// Checks

function fail(message: string): never {
  throw new StatementError(message);
}

/** Text of 1 to `max` characters that XML can carry. */
function checkText(value: string, max: number, what: string): void {
  if (value.length === 0) fail(`${what} is empty`);
  const length = [...value].length;
  if (length > max) fail(`${what} has ${length} characters; ISO 20022 allows at most ${max}`);
  const bad = NOT_XML.exec(value);
  if (bad) fail(`${what} has the control character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")} at character ${bad.index + 1}, which XML cannot carry`);
}

function checkDate(date: Date, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) fail(`${what} is not a valid date`);
}

function checkLei(lei: string | undefined, what: string): void {
  if (lei !== undefined && !isLei(lei)) fail(`${what} "${lei}" is not an LEI (ISO 17442: 20 capitals or digits with valid check digits)`);
}

function checkAddress(address: string, what: string): void {
  try {
    parseAddress(address, what);
  } catch (e) {
    fail((e as Error).message);
  }
}

/** An amount ISO 20022 can carry: not negative, at most 18 digits with the minor unit. */
function checkAmount(value: bigint, decimals: number, what: string): void {
  if (value < 0n) fail(`${what} is negative (${value} in the smallest unit); a direction gives the sign, amounts are never negative`);
  if (value.toString().length > MAX_AMOUNT_DIGITS) fail(`${what} ${decimalAmount(value, decimals)} has more than ${MAX_AMOUNT_DIGITS} digits, the most an ISO 20022 amount can have`);
}

function checkParties(servicer: Servicer, account: StatementAccount): void {
  checkText(servicer.name, 140, "servicer name");
  if (servicer.bic !== undefined && !isBic(servicer.bic)) fail(`servicer BIC "${servicer.bic}" is not a BIC (ISO 9362: 8 or 11 capitals or digits)`);
  checkLei(servicer.lei, "servicer LEI");
  checkAddress(account.address, "account address");
  checkText(account.ownerName, 140, "account owner name");
  checkLei(account.ownerLei, "account owner LEI");
}

function checkCurrency(currency: string, decimals: number): void {
  let iso;
  try {
    iso = currencyOf(currency, "currency");
  } catch (e) {
    fail((e as Error).message);
  }
  if (currency !== iso.code) fail(`currency "${currency}" must be written as its ISO 4217 code ${iso.code}`);
  if (decimals !== iso.decimals) fail(`decimals ${decimals} are not ${iso.code}'s ISO 4217 minor unit, ${iso.decimals}`);
}

/** An entry's name in refusals: its position, its transaction and log. */
function entryName(entry: Entry, index: number): string {
  return `entry ${index + 1} (tx ${entry.txHash}:${entry.logIndex})`;
}

function checkEntry(entry: Entry, index: number, decimals: number): void {
  const what = `entry ${index + 1}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(String(entry.txHash))) fail(`${what} transaction hash "${entry.txHash}" is not 32 bytes of hex`);
  const name = entryName(entry, index);
  for (const [field, value] of [["log index", entry.logIndex], ["block number", entry.blockNumber]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) fail(`${name} ${field} ${value} is not a whole number of zero or more`);
  }
  checkDate(entry.bookedAt, `${name} booking time`);
  if (entry.direction !== "CRDT" && entry.direction !== "DBIT") fail(`${name} direction "${entry.direction}" is neither CRDT nor DBIT`);
  if (!Object.hasOwn(KIND_CODES, entry.kind)) fail(`${name} kind "${entry.kind}" is not one of ${Object.keys(KIND_CODES).join(", ")}`);
  checkAmount(entry.amount, decimals, `${name} amount`);
  if (!/^0x[0-9a-fA-F]{64}$/.test(String(entry.reference))) fail(`${name} reference "${entry.reference}" is not bytes32 hex`);
  if (entry.uetr !== undefined && !UETR.test(entry.uetr)) fail(`${name} UETR "${entry.uetr}" is not a UUID version 4 in lower case`);
  if (entry.endToEndId !== undefined) checkText(entry.endToEndId, 35, `${name} end-to-end id`);
  if (entry.remittance !== undefined) checkText(entry.remittance, 140, `${name} remittance`);
  if (entry.referenceText !== undefined) checkText(entry.referenceText, 140, `${name} reference text`);
  if (entry.creditorReference !== undefined && !isCreditorReference(entry.creditorReference)) {
    fail(`${name} creditor reference "${entry.creditorReference}" is not an ISO 11649 reference (RF, two valid check digits, up to 21 capitals or digits)`);
  }
  const party = entry.counterparty;
  if (party !== undefined) {
    checkAddress(party.address, `${name} counterparty address`);
    if (party.name !== undefined) checkText(party.name, 140, `${name} counterparty name`);
    checkLei(party.lei, `${name} counterparty LEI`);
  }
}

/**
 * Refuses, with one StatementError line, a statement that cannot be written as given: an id that is not
 * Max35Text, a period that ends before it starts, a currency or decimals that are not ISO 4217's, a
 * malformed party, a negative or oversized amount, an entry booked outside the period or booked twice,
 * and balances that do not add up (opening + credits - debits must be closing).
 */
export function checkStatement(statement: Statement): void {
  checkText(statement.id, 35, "statement id");
  checkDate(statement.createdAt, "statement creation time");
  checkDate(statement.from, "statement period start");
  checkDate(statement.to, "statement period end");
  if (statement.from > statement.to) fail(`statement period starts at ${isoDateTime(statement.from)}, after its end ${isoDateTime(statement.to)}`);
  checkCurrency(statement.currency, statement.decimals);
  checkParties(statement.servicer, statement.account);
  const d = statement.decimals;
  checkAmount(statement.opening, d, "opening balance");
  checkAmount(statement.closing, d, "closing balance");
  const seen = new Map<string, number>();
  statement.entries.forEach((entry, i) => {
    checkEntry(entry, i, d);
    if (entry.bookedAt < statement.from || entry.bookedAt > statement.to) {
      fail(`${entryName(entry, i)} was booked at ${isoDateTime(entry.bookedAt)}, outside the statement period ${isoDateTime(statement.from)} to ${isoDateTime(statement.to)}`);
    }
    const log = `${entry.blockNumber}:${entry.logIndex}`;
    const first = seen.get(log);
    if (first !== undefined) fail(`${entryName(entry, i)} is the log of block ${entry.blockNumber} at index ${entry.logIndex} that entry ${first + 1} already books`);
    seen.set(log, i);
  });
  const { credits, debits } = totals(statement.entries);
  checkAmount(credits + debits, d, "sum of the entries");
  if (statement.opening + credits - debits !== statement.closing) {
    const f = (v: bigint) => decimalAmount(v, d);
    fail(`statement does not add up: opening ${f(statement.opening)} + credits ${f(credits)} - debits ${f(debits)} = ${f(statement.opening + credits - debits)} ${statement.currency}, but closing is ${f(statement.closing)}`);
  }
}

/** Refuses, with one StatementError line, a credit notification that cannot be written (see checkStatement); a debit is refused. */
export function checkNotification(notification: CreditNotification): void {
  checkText(notification.id, 35, "notification id");
  checkDate(notification.createdAt, "notification creation time");
  checkCurrency(notification.currency, notification.decimals);
  checkParties(notification.servicer, notification.account);
  checkEntry(notification.entry, 0, notification.decimals);
  if (notification.entry.direction !== "CRDT") fail(`${entryName(notification.entry, 0)} is a debit; a camt.054 credit notification is for an incoming entry`);
}

function totals(entries: readonly Entry[]): { credits: bigint; debits: bigint; nCredits: number; nDebits: number } {
  const credit = entries.filter((e) => e.direction === "CRDT");
  const debit = entries.filter((e) => e.direction === "DBIT");
  const sum = (list: Entry[]) => list.reduce((s, e) => s + e.amount, 0n);
  return { credits: sum(credit), debits: sum(debit), nCredits: credit.length, nDebits: debit.length };
}

/** Entries in booking order: by block, then by log index. */
function inBookingOrder(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

// ---------------------------------------------------------------------------------------------------
// ISO 20022 builders, shared by camt.053 and camt.054

/** What every part of a message needs to know: the currency and its minor unit, the bank and the account. */
interface Context {
  currency: string;
  decimals: number;
  servicer: Servicer;
  account: StatementAccount;
}

/** Adds <name>text</name> to parent and returns parent. */
function leaf(parent: XMLBuilder, name: string, text: string): XMLBuilder {
  return parent.ele(name).txt(text).up();
}

function amount(parent: XMLBuilder, name: string, value: bigint, ctx: Context): void {
  parent.ele(name, { Ccy: ctx.currency }).txt(decimalAmount(value, ctx.decimals));
}

function groupHeader(parent: XMLBuilder, id: string, createdAt: Date): void {
  const header = parent.ele("GrpHdr");
  leaf(header, "MsgId", id);
  leaf(header, "CreDtTm", isoDateTime(createdAt));
}

/** Id/Othr (the wallet in base 36) and Prxy (the address): the body of every account, ours and the counterparty's. */
function walletAccount(account: XMLBuilder, address: string, currency?: string): void {
  const other = account.ele("Id").ele("Othr");
  leaf(other, "Id", walletAccountId(address));
  other.ele("SchmeNm").ele("Prtry").txt(ACCOUNT_ID_SCHEME);
  if (currency !== undefined) leaf(account, "Ccy", currency);
  const proxy = account.ele("Prxy");
  proxy.ele("Tp").ele("Prtry").txt(ACCOUNT_PROXY_TYPE);
  leaf(proxy, "Id", ethers.getAddress(address));
}

/** A party (PartyIdentification135): Nm and Id/OrgId/LEI, where given. */
function party(parent: XMLBuilder, name: string | undefined, lei: string | undefined): void {
  if (name !== undefined) leaf(parent, "Nm", name);
  if (lei !== undefined) parent.ele("Id").ele("OrgId").ele("LEI").txt(lei);
}

/** Acct (CashAccount39): the wallet, the currency, the owner and the bank. */
function statementAccount(parent: XMLBuilder, ctx: Context): void {
  const account = parent.ele("Acct");
  walletAccount(account, ctx.account.address, ctx.currency);
  party(account.ele("Ownr"), ctx.account.ownerName, ctx.account.ownerLei);
  const bank = account.ele("Svcr").ele("FinInstnId");
  if (ctx.servicer.bic !== undefined) leaf(bank, "BICFI", ctx.servicer.bic);
  if (ctx.servicer.lei !== undefined) leaf(bank, "LEI", ctx.servicer.lei);
  leaf(bank, "Nm", ctx.servicer.name);
}

function balance(parent: XMLBuilder, code: "OPBD" | "CLBD", value: bigint, at: Date, ctx: Context): void {
  const bal = parent.ele("Bal");
  bal.ele("Tp").ele("CdOrPrtry").ele("Cd").txt(code);
  amount(bal, "Amt", value, ctx);
  leaf(bal, "CdtDbtInd", "CRDT");
  bal.ele("Dt").ele("DtTm").txt(isoDateTime(at));
}

function summary(parent: XMLBuilder, entries: readonly Entry[], decimals: number): void {
  const { credits, debits, nCredits, nDebits } = totals(entries);
  const all = parent.ele("TxsSummry").ele("TtlNtries");
  leaf(all, "NbOfNtries", String(entries.length));
  leaf(all, "Sum", decimalAmount(credits + debits, decimals));
  const net = all.ele("TtlNetNtry");
  leaf(net, "Amt", decimalAmount(credits >= debits ? credits - debits : debits - credits, decimals));
  leaf(net, "CdtDbtInd", credits >= debits ? "CRDT" : "DBIT");
  const side = (name: string, n: number, sum: bigint) => {
    const el = all.up().ele(name);
    leaf(el, "NbOfNtries", String(n));
    leaf(el, "Sum", decimalAmount(sum, decimals));
  };
  side("TtlCdtNtries", nCredits, credits);
  side("TtlDbtNtries", nDebits, debits);
}

/** Dbtr/DbtrAcct/Cdtr/CdtrAcct: the account owner on one side, the counterparty (where known) on the other. */
function relatedParties(parent: XMLBuilder, entry: Entry, ctx: Context): void {
  const owner: Counterparty = { address: ctx.account.address, name: ctx.account.ownerName, lei: ctx.account.ownerLei };
  const [debtor, creditor] = entry.direction === "CRDT" ? [entry.counterparty, owner] : [owner, entry.counterparty];
  const parties = parent.ele("RltdPties");
  for (const [role, who] of [["Dbtr", debtor], ["Cdtr", creditor]] as const) {
    if (who === undefined) continue;
    if (who.name !== undefined || who.lei !== undefined) party(parties.ele(role).ele("Pty"), who.name, who.lei);
    walletAccount(parties.ele(`${role}Acct`), who.address);
  }
}

function remittance(parent: XMLBuilder, entry: Entry): void {
  if (entry.remittance === undefined && entry.creditorReference === undefined) return;
  const info = parent.ele("RmtInf");
  if (entry.remittance !== undefined) leaf(info, "Ustrd", entry.remittance);
  if (entry.creditorReference !== undefined) {
    const ref = info.ele("Strd").ele("CdtrRefInf");
    const type = ref.ele("Tp");
    type.ele("CdOrPrtry").ele("Cd").txt("SCOR");
    leaf(type, "Issr", "ISO");
    leaf(ref, "Ref", entry.creditorReference);
  }
}

/** One Ntry (ReportEntry10): the one rule for an entry, in camt.053 and camt.054 alike. */
function reportEntry(parent: XMLBuilder, entry: Entry, ctx: Context): void {
  const ntry = parent.ele("Ntry");
  const servicerRef = `${entry.blockNumber}:${entry.logIndex}`;
  amount(ntry, "Amt", entry.amount, ctx);
  leaf(ntry, "CdtDbtInd", entry.direction);
  ntry.ele("Sts").ele("Cd").txt("BOOK");
  ntry.ele("BookgDt").ele("DtTm").txt(isoDateTime(entry.bookedAt));
  ntry.ele("ValDt").ele("DtTm").txt(isoDateTime(entry.bookedAt));
  leaf(ntry, "AcctSvcrRef", servicerRef);
  const code = ntry.ele("BkTxCd").ele("Prtry");
  leaf(code, "Cd", KIND_CODES[entry.kind]);
  const issuer = ctx.servicer.bic ?? ctx.servicer.lei;
  if (issuer !== undefined) leaf(code, "Issr", issuer);
  const tx = ntry.ele("NtryDtls").ele("TxDtls");
  const refs = tx.ele("Refs");
  leaf(refs, "AcctSvcrRef", servicerRef);
  leaf(refs, "EndToEndId", entry.endToEndId ?? NOT_PROVIDED);
  if (entry.uetr !== undefined) leaf(refs, "UETR", entry.uetr);
  amount(tx, "Amt", entry.amount, ctx);
  leaf(tx, "CdtDbtInd", entry.direction);
  relatedParties(tx, entry, ctx);
  remittance(tx, entry);
  leaf(tx, "AddtlTxInf", `reference ${entry.reference.toLowerCase()}${entry.referenceText !== undefined ? ` ${entry.referenceText}` : ""}`);
  leaf(ntry, "AddtlNtryInf", `tx ${entry.txHash.toLowerCase()}:${entry.logIndex}`);
}

function document(namespace: string): XMLBuilder {
  return create({ version: "1.0", encoding: "UTF-8" }).ele(namespace, "Document");
}

function serialize(doc: XMLBuilder): string {
  return doc.end({ prettyPrint: true, wellFormed: true });
}

// ---------------------------------------------------------------------------------------------------
// The three forms

/** The statement as an ISO 20022 camt.053.001.08 document (BkToCstmrStmt), after checkStatement. */
export function camt053(statement: Statement): string {
  checkStatement(statement);
  const ctx: Context = statement;
  const doc = document(CAMT053_NAMESPACE);
  const message = doc.ele("BkToCstmrStmt");
  groupHeader(message, statement.id, statement.createdAt);
  const stmt = message.ele("Stmt");
  leaf(stmt, "Id", statement.id);
  leaf(stmt, "CreDtTm", isoDateTime(statement.createdAt));
  const period = stmt.ele("FrToDt");
  leaf(period, "FrDtTm", isoDateTime(statement.from));
  leaf(period, "ToDtTm", isoDateTime(statement.to));
  statementAccount(stmt, ctx);
  balance(stmt, "OPBD", statement.opening, statement.from, ctx);
  balance(stmt, "CLBD", statement.closing, statement.to, ctx);
  const entries = inBookingOrder(statement.entries);
  summary(stmt, entries, statement.decimals);
  for (const entry of entries) reportEntry(stmt, entry, ctx);
  return serialize(doc);
}

/** One incoming entry as an ISO 20022 camt.054.001.08 credit notification (BkToCstmrDbtCdtNtfctn), after checkNotification. */
export function camt054(notification: CreditNotification): string {
  checkNotification(notification);
  const doc = document(CAMT054_NAMESPACE);
  const message = doc.ele("BkToCstmrDbtCdtNtfctn");
  groupHeader(message, notification.id, notification.createdAt);
  const ntfctn = message.ele("Ntfctn");
  leaf(ntfctn, "Id", notification.id);
  leaf(ntfctn, "CreDtTm", isoDateTime(notification.createdAt));
  statementAccount(ntfctn, notification);
  reportEntry(ntfctn, notification.entry, notification);
  return serialize(doc);
}

/** What a spreadsheet may take for the start of a formula (OWASP CSV injection): = + - @, tab, CR; and the guard's own quote. */
const FORMULA_START = /^[=+\-@\t\r']/;

/**
 * A CSV field: a leading single quote when it starts like a formula (FORMULA_START), then quoted, its
 * quotes doubled, when it holds a comma, a quote, CR or LF (RFC 4180).
 */
function csvField(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** The statement as RFC 4180 CSV, after checkStatement: see the module's comment for the rows and columns. */
export function statementCsv(statement: Statement): string {
  checkStatement(statement);
  const { currency, decimals } = statement;
  const blank = { counterparty_name: "", counterparty_lei: "", counterparty_address: "", uetr: "", end_to_end_id: "", remittance: "", creditor_reference: "", reference: "", reference_text: "", tx_hash: "", log_index: "", block_number: "", kind: "" };
  type Row = Record<(typeof STATEMENT_CSV_COLUMNS)[number], string>;
  const balanceRow = (record: "opening" | "closing", at: Date, value: bigint): Row =>
    ({ ...blank, record, booked_at: isoDateTime(at), direction: "CRDT", amount: decimalAmount(value, decimals), currency });
  const entryRow = (e: Entry): Row => ({
    record: "entry",
    booked_at: isoDateTime(e.bookedAt),
    direction: e.direction,
    amount: decimalAmount(e.amount, decimals),
    currency,
    kind: e.kind,
    counterparty_name: e.counterparty?.name ?? "",
    counterparty_lei: e.counterparty?.lei ?? "",
    counterparty_address: e.counterparty ? ethers.getAddress(e.counterparty.address) : "",
    uetr: e.uetr ?? "",
    end_to_end_id: e.endToEndId ?? "",
    remittance: e.remittance ?? "",
    creditor_reference: e.creditorReference ?? "",
    reference: e.reference.toLowerCase(),
    reference_text: e.referenceText ?? "",
    tx_hash: e.txHash.toLowerCase(),
    log_index: String(e.logIndex),
    block_number: String(e.blockNumber),
  });
  const rows: Row[] = [
    balanceRow("opening", statement.from, statement.opening),
    ...inBookingOrder(statement.entries).map(entryRow),
    balanceRow("closing", statement.to, statement.closing),
  ];
  const line = (fields: readonly string[]) => fields.map(csvField).join(",");
  return [line(STATEMENT_CSV_COLUMNS), ...rows.map((r) => line(STATEMENT_CSV_COLUMNS.map((c) => r[c])))].join("\r\n") + "\r\n";
}
