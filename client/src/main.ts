import { BrowserProvider, Contract, getAddress, Interface, ZeroHash } from "ethers";
import type { ContractTransactionReceipt, InterfaceAbi, JsonRpcSigner } from "ethers";
import { abi as registryAbi } from "../../artifacts/contracts/registry/ParticipantRegistry.sol/ParticipantRegistry.json";
import { abi as depositTokenAbi } from "../../artifacts/contracts/token/DepositToken.sol/DepositToken.json";
import { abi as securityTokenAbi } from "../../artifacts/contracts/token/SecurityToken.sol/SecurityToken.json";
import { abi as escrowAbi } from "../../artifacts/contracts/settlement/DvPEscrow.sol/DvPEscrow.json";
import { abi as fxQuotesAbi } from "../../artifacts/contracts/settlement/FxQuotes.sol/FxQuotes.json";
import type { DepositToken, DvPEscrow, FxQuotes, ParticipantRegistry, PermissionedToken } from "../../typechain-types";
import type { ContractMethodArgs, TypedContractMethod } from "../../typechain-types/common";
import {
  checkSignedPair, derivedRate, parseSignedFile, RATE_PRECISION, requireTwoCurrencies, Side, signedFileName, signedFileText, signedTradeFile,
  signTrade, termsFromText, TradeTerms,
} from "../../lib/dvp";
import { explainError, walletState } from "../../lib/errors";
import { checkQuoteFile, checkQuotePayment, FxQuote, parseQuoteFile, quoteHash, quoteRefusalInWords, quoteState, quoteTerms, SignedQuoteFile } from "../../lib/fx";
import { formatAmount, isoDate, parseAddress, parseAmount, participantDisplay, refText, shownRef, toReference } from "../../lib/format";
import { enumName, OPEN_TRADE_STATES, PARTICIPANT_STATUS, TRADE_STATES } from "../../lib/roles";
import type { ClientConfig } from "./config";
import { checkPaymentFiles, PaymentPage, settlePaymentFiles, signedPaymentsOffered, signPaymentForm } from "./signed-payment";
import { Eip1193, injectedWallet, requestAccount, switchToDeploymentChain, walletChainId } from "./wallet";

/** A token the page shows and moves: a deposit token (labelled by its currency) or a security (by its symbol). */
interface Leg {
  kind: "cash" | "security";
  address: string;
  label: string;
  decimals: number;
  fromBlock: number;
  contract: PermissionedToken;
  fmt(value: bigint): string;
}

/** The connected session: the wallet's account on the deployment's chain, and the contracts through the wallet. */
interface Session {
  wallet: Eip1193;
  provider: BrowserProvider;
  signer: JsonRpcSigner;
  account: string;
  registry: ParticipantRegistry;
  escrow?: DvPEscrow;
  fxQuotes?: FxQuotes;
  legs: Leg[];
}

/** Contracts whose custom errors are explained (the commands decode the same ones). */
const INTERFACES = [registryAbi, depositTokenAbi, securityTokenAbi, escrowAbi, fxQuotesAbi].map((abi) => new Interface(abi as InterfaceAbi));
const RECENT_PAYMENTS = 10;

let config: ClientConfig;
let session: Session | undefined;

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`page element ${selector} is missing`);
  return el;
};

function el(tag: string, text = "", className = ""): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className) e.className = className;
  return e;
}

function row(cells: (string | HTMLElement)[], classes: string[] = []): HTMLTableRowElement {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => {
    const td = document.createElement("td");
    if (typeof c === "string") td.textContent = c;
    else td.append(c);
    if (classes[i]) td.className = classes[i];
    tr.append(td);
  });
  return tr;
}

function fillTable(selector: string, rows: HTMLTableRowElement[], empty: string): void {
  const body = $(`${selector} tbody`);
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const td = el("td", empty, "empty");
    (td as HTMLTableCellElement).colSpan = $(`${selector} thead tr`).children.length;
    const tr = document.createElement("tr");
    tr.append(td);
    body.append(tr);
  }
}

/** Shows the outcome of the last action and keeps it in the activity list. */
function show(kind: "ok" | "refused" | "busy", text: string): void {
  const result = $("#result");
  result.hidden = false;
  result.className = kind;
  result.textContent = text;
  if (kind !== "busy") $("#log").prepend(el("li", `${new Date().toISOString().slice(11, 19)} ${text}`, kind));
}

/** A refusal found before anything was sent (bad input, a simulated call the contract refuses). */
class Refused extends Error {}

/**
 * The references this browser paid with, by hash: a payment's reference is shown as the text it was typed as,
 * or as its hash when that text has a hidden character (lib/format.ts shownRef; the forms refuse one).
 */
const REFS_KEY = "deposit-token-client:references";
function rememberRef(text: string, hex: string): void {
  const known = JSON.parse(localStorage.getItem(REFS_KEY) ?? "{}") as Record<string, string>;
  known[hex.toLowerCase()] = text;
  localStorage.setItem(REFS_KEY, JSON.stringify(known));
}
function refWords(hex: string): string {
  const known = JSON.parse(localStorage.getItem(REFS_KEY) ?? "{}") as Record<string, string>;
  const text = known[hex.toLowerCase()];
  return text === undefined ? refText(hex) : shownRef(text, hex);
}

function current(): Session {
  if (!session) throw new Refused("connect a wallet first");
  return session;
}

function legAt(s: Session, address: string): Leg {
  const leg = s.legs.find((l) => l.address.toLowerCase() === address.toLowerCase());
  if (!leg) throw new Refused(`${address} is not a token of this deployment`);
  return leg;
}

function legByLabel(s: Session, kind: Leg["kind"], label: string): Leg {
  const leg = s.legs.find((l) => l.kind === kind && l.label === label);
  if (!leg) throw new Refused(`no ${kind === "cash" ? "deposit token" : "security"} "${label}" in this deployment`);
  return leg;
}

function requireEscrow(s: Session): DvPEscrow {
  if (!s.escrow) throw new Refused(`the deployment of "${config.network}" has no DvP escrow`);
  return s.escrow;
}

/**
 * Sends a contract call after simulating it, as the commands do (lib/cli/context.ts): a call the contract
 * would refuse is explained in words by lib/errors.ts (the error's name, the wallet's registry state,
 * amounts in the units of `leg`, the instruction of a batch by its item's name) and nothing is sent.
 * Transactions are legacy with the network's gas price.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function send<A extends any[]>(label: string, method: TypedContractMethod<A, unknown, "nonpayable">, args: A, leg?: Pick<Leg, "fmt">, items?: readonly string[]): Promise<ContractTransactionReceipt> {
  const s = current();
  show("busy", `${label}: simulating...`);
  try {
    await method.staticCall(...(args as ContractMethodArgs<A, "view">));
  } catch (e) {
    throw new Refused(`${label} refused: ${await explainError(e, { interfaces: INTERFACES, registry: s.registry, amount: leg?.fmt, items })}; nothing was sent`);
  }
  show("busy", `${label}: waiting for the wallet...`);
  const overrides = { type: 0, gasPrice: BigInt(config.gasPrice) };
  let hash = "";
  try {
    const tx = await method.send(...([...args, overrides] as unknown as ContractMethodArgs<A, "nonpayable">));
    hash = tx.hash;
    show("busy", `${label}: sent ${hash}, waiting for its block...`);
    const receipt = (await tx.wait()) as ContractTransactionReceipt | null;
    if (!receipt) throw new Error(`tx ${hash} was dropped before it was mined`);
    return receipt;
  } catch (e) {
    throw new Error(`${label} failed${hash ? ` (tx ${hash})` : ""}: ${await explainError(e, { interfaces: INTERFACES, registry: s.registry, amount: leg?.fmt, items })}`);
  }
}

function sentLine(label: string, receipt: ContractTransactionReceipt): string {
  return `${label}: tx ${receipt.hash} in block ${receipt.blockNumber}`;
}

let running = 0;

/** Runs a form's action with its buttons disabled; shows its outcome, then refreshes what the page shows. */
async function run(form: HTMLElement | null, action: () => Promise<string>): Promise<void> {
  const buttons = form ? [...form.querySelectorAll("button")] : [];
  buttons.forEach((b) => { b.disabled = true; });
  // Until every action and the refresh after it are done (tests wait for it to go).
  running += 1;
  document.body.dataset.busy = String(running);
  try {
    show("ok", await action());
  } catch (e) {
    show("refused", e instanceof Error ? e.message.split("\n")[0] : String(e));
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
  if (session) await refresh().catch((e: unknown) => show("refused", `reading the chain failed: ${(e as Error).message}`));
  running -= 1;
  if (running === 0) delete document.body.dataset.busy;
}

const field = (form: HTMLFormElement, name: string): string => ((form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? "");

function amountIn(text: string, leg: Leg, what: string): bigint {
  let value: bigint;
  try {
    value = parseAmount(text, leg.decimals, what);
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  if (value === 0n) throw new Refused(`${what} "${text}" is zero`);
  return value;
}

function addressIn(text: string, what: string): string {
  try {
    return parseAddress(text.trim(), what);
  } catch (e) {
    throw new Refused((e as Error).message);
  }
}

async function readFileInput(form: HTMLFormElement, name: string, what: string): Promise<{ text: string; name: string }> {
  const file = (form.elements.namedItem(name) as HTMLInputElement).files?.[0];
  if (!file) throw new Refused(`choose the ${what}`);
  return { text: await file.text(), name: `${what} ${file.name}` };
}

// ---- connecting ----

async function connect(ask: boolean): Promise<void> {
  const wallet = injectedWallet();
  const account = ask ? await requestAccount(wallet) : ((await wallet.request({ method: "eth_accounts" })) as string[])[0];
  if (!account) {
    session = undefined;
    $("#app").hidden = true;
    $("#wallet-status").textContent = "not connected";
    return;
  }
  const chainId = await walletChainId(wallet);
  if (chainId !== config.chainId) {
    session = undefined;
    $("#app").hidden = true;
    $("#switch-chain").hidden = false;
    $("#wallet-status").textContent = `wallet is on chain ${chainId}; this deployment is on chain ${config.chainId} (${config.network})`;
    return;
  }
  $("#switch-chain").hidden = true;
  // No 250 ms cache of identical calls: the refresh after an action must not be answered with the
  // logs or balances read by the refresh just before it.
  const provider = new BrowserProvider(wallet, config.chainId, { pollingInterval: 500, cacheTimeout: -1 });
  const signer = await provider.getSigner(account);
  const registry = new Contract(config.registry.address, registryAbi as InterfaceAbi, signer) as unknown as ParticipantRegistry;
  const escrow = config.escrow ? new Contract(config.escrow.address, escrowAbi as InterfaceAbi, signer) as unknown as DvPEscrow : undefined;
  const fxQuotes = config.fxQuotes ? new Contract(config.fxQuotes.address, fxQuotesAbi as InterfaceAbi, signer) as unknown as FxQuotes : undefined;
  const legs: Leg[] = [];
  for (const t of config.depositTokens) legs.push(await openLeg("cash", t.address, t.fromBlock, signer, t.currency));
  for (const t of config.securities) legs.push(await openLeg("security", t.address, t.fromBlock, signer));
  session = { wallet, provider, signer, account: getAddress(signer.address), registry, escrow, fxQuotes, legs };
  $("#wallet-status").textContent = `connected: ${session.account}`;
  fillSelects(legs);
  previewTerms($<HTMLFormElement>("#terms-form"));
  const signedPayments = signedPaymentsOffered(INTERFACES[1]);
  $("#signed-payment-panel").hidden = !signedPayments;
  $("#settle-payments-panel").hidden = !signedPayments;
  $("#fx-panel").hidden = !fxQuotes;
  $("#app").hidden = false;
  await refresh();
}

async function openLeg(kind: Leg["kind"], address: string, fromBlock: number, signer: JsonRpcSigner, currency?: string): Promise<Leg> {
  const contract = new Contract(address, (kind === "cash" ? depositTokenAbi : securityTokenAbi) as InterfaceAbi, signer) as unknown as PermissionedToken;
  const decimals = Number(await contract.decimals());
  const label = currency ?? (await contract.symbol());
  return { kind, address, label, decimals, fromBlock, contract, fmt: (v: bigint) => `${formatAmount(v, decimals)} ${label}` };
}

function fillSelects(legs: Leg[]): void {
  const options = (kinds: Leg["kind"][]) => legs.filter((l) => kinds.includes(l.kind)).map((l) => {
    const o = document.createElement("option");
    o.value = l.label;
    o.textContent = l.kind === "cash" ? l.label : `${l.label} (security)`;
    return o;
  });
  document.querySelectorAll("select.cash-select").forEach((s) => s.replaceChildren(...options(["cash"])));
  // A currency asset leg starts on the second currency: one currency on both legs is refused.
  const assetCurrency = document.querySelector<HTMLSelectElement>("select[name=assetCurrency]");
  if (assetCurrency && assetCurrency.options.length > 1) assetCurrency.selectedIndex = 1;
  document.querySelectorAll("select.security-select").forEach((s) => s.replaceChildren(...options(["security"])));
  document.querySelectorAll("select.token-select").forEach((s) => s.replaceChildren(...options(["cash", "security"])));
  // The amount's example follows the chosen token's decimals: "250000.00" in USD, "250000" in JPY, "250000.000" in KWD.
  document.querySelectorAll<HTMLSelectElement>("select.cash-select, select.token-select").forEach((select) => {
    const input = select.form?.querySelector<HTMLInputElement>(select.dataset.amount ? `input[name=${select.dataset.amount}]` : "input[name=amount]");
    if (!input) return;
    const whole = (input.dataset.example ??= input.placeholder.split(".")[0]);
    select.onchange = () => {
      const leg = legs.find((l) => l.label === select.value);
      if (leg) input.placeholder = leg.decimals > 0 ? `${whole}.${"0".repeat(leg.decimals)}` : whole;
    };
    select.onchange(new Event("change"));
  });
}

// ---- what the wallet holds ----

async function refresh(): Promise<void> {
  const s = current();
  const { account, registry } = s;
  const id = await registry.participantOf(account);
  const account_ = $("#account");
  const entries: [string, string | HTMLElement][] = [["wallet", el("span", account, "addr")]];
  if (id === ZeroHash) {
    entries.push(["participant", el("span", "none: this wallet is not onboarded", "status-None")]);
  } else {
    const [status, kycExpiry] = await registry.getParticipant(id);
    const [named, legal] = await Promise.all([
      registry.queryFilter(registry.filters.ParticipantNamed(id), config.registry.fromBlock),
      registry.queryFilter(registry.filters.ParticipantLegalName(id), config.registry.fromBlock),
    ]);
    const statusName = enumName(PARTICIPANT_STATUS, status);
    entries.push(["participant", participantDisplay(id, named.at(-1)?.args.name, legal.at(-1)?.args.legalName)]);
    entries.push(["status", el("span", statusName, `status-${statusName}`)]);
    entries.push(["KYC expiry", isoDate(Number(kycExpiry))]);
  }
  const allowed = await registry.isAllowed(account);
  entries.push(["may hold tokens", allowed ? "yes" : `no (${await walletState(registry, account)})`]);
  const frozenOn: string[] = [];
  for (const leg of s.legs) if (await leg.contract.isFrozen(account)) frozenOn.push(leg.label);
  entries.push(["frozen", frozenOn.length > 0 ? el("span", `frozen on ${frozenOn.join(", ")}`, "frozen") : "no"]);
  account_.replaceChildren(...entries.flatMap(([k, v]) => [el("dt", k), typeof v === "string" ? el("dd", v) : (() => { const dd = el("dd"); dd.append(v); return dd; })()]));

  const balances: HTMLTableRowElement[] = [];
  for (const leg of s.legs) {
    const frozen = await leg.contract.isFrozen(account);
    balances.push(row([leg.kind === "cash" ? leg.label : `${leg.label} (security)`, leg.fmt(await leg.contract.balanceOf(account)), frozen ? "frozen" : ""], ["", "num", frozen ? "frozen" : ""]));
  }
  fillTable("#balances", balances, "no tokens");

  const redemptions: HTMLTableRowElement[] = [];
  for (const leg of s.legs.filter((l) => l.kind === "cash")) {
    const token = leg.contract as unknown as DepositToken;
    for (const e of await token.queryFilter(token.filters.RedemptionRequested(undefined, account), leg.fromBlock)) {
      const r = await token.redemption(e.args.id);
      if (Number(r.status) === 1) redemptions.push(row([e.args.id.toString(), leg.fmt(r.amount)], ["", "num"]));
    }
  }
  fillTable("#redemptions", redemptions, "none pending");

  await refreshTrades(s);
  await refreshPayments(s);
}

async function refreshTrades(s: Session): Promise<void> {
  const rows: HTMLTableRowElement[] = [];
  if (s.escrow) {
    const escrow = s.escrow;
    const from = config.escrow!.fromBlock;
    const proposed = [
      ...(await escrow.queryFilter(escrow.filters.TradeProposed(undefined, s.account), from)),
      ...(await escrow.queryFilter(escrow.filters.TradeProposed(undefined, undefined, s.account), from)),
    ];
    const seen = new Set<string>();
    for (const e of proposed) {
      const id = e.args.tradeId;
      if (seen.has(id)) continue;
      seen.add(id);
      const [t, stateValue] = await escrow.getTrade(id);
      if (!OPEN_TRADE_STATES.has(Number(stateValue))) continue;
      const state = enumName(TRADE_STATES, stateValue);
      const side: Side = t.seller === s.account ? "seller" : "buyer";
      const ref = refText(t.ref);
      const buttons = el("span");
      const funded = (side === "seller" && state === "SellerFunded") || (side === "buyer" && state === "BuyerFunded");
      if (!funded) {
        const fund = el("button", "Fund") as HTMLButtonElement;
        fund.dataset.trade = ref;
        fund.className = "fund";
        fund.addEventListener("click", () => void run(fund.parentElement, () => fundTrade(id)));
        buttons.append(fund);
      }
      const cancel = el("button", "Cancel") as HTMLButtonElement;
      cancel.dataset.trade = ref;
      cancel.className = "cancel";
      cancel.addEventListener("click", () => void run(cancel.parentElement, () => cancelTrade(id)));
      buttons.append(cancel);
      const asset = legAt(s, t.asset);
      const cash = legAt(s, t.cash);
      const rate = el("span", rateOf(s, t) ?? "", "rate");
      if (rate.textContent) rate.title = RATE_PRECISION;
      const tr = row([ref, side, asset.fmt(t.assetAmount), cash.fmt(t.cashAmount), rate, isoDate(Number(t.deadline)), state, buttons], ["", "", "num", "num"]);
      tr.dataset.trade = ref;
      rows.push(tr);
    }
  }
  fillTable("#trades", rows, "no open trades");
}

async function refreshPayments(s: Session): Promise<void> {
  const payments: { block: number; index: number; row: HTMLTableRowElement }[] = [];
  for (const leg of s.legs.filter((l) => l.kind === "cash")) {
    const token = leg.contract;
    const events = [
      ...(await token.queryFilter(token.filters.ReferencedTransfer(s.account), leg.fromBlock)),
      ...(await token.queryFilter(token.filters.ReferencedTransfer(undefined, s.account), leg.fromBlock)),
    ];
    const seen = new Set<string>();
    for (const e of events) {
      const key = `${e.transactionHash}:${e.index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const out = e.args.from === s.account;
      const tr = row([String(e.blockNumber), out ? "paid to" : "received from", el("span", out ? e.args.to : e.args.from, "addr"), leg.fmt(e.args.amount), refWords(e.args.ref)], ["", "", "", "num", "ref"]);
      payments.push({ block: e.blockNumber, index: e.index, row: tr });
    }
  }
  payments.sort((a, b) => b.block - a.block || b.index - a.index);
  fillTable("#payments", payments.slice(0, RECENT_PAYMENTS).map((p) => p.row), "no payments with a reference yet");
}

// ---- actions ----

async function pay(form: HTMLFormElement): Promise<string> {
  const s = current();
  const leg = legByLabel(s, "cash", field(form, "currency"));
  const to = addressIn(field(form, "to"), "payee");
  const amount = amountIn(field(form, "amount"), leg, "amount");
  const refText_ = field(form, "ref").trim();
  const token = leg.contract;
  if (refText_ === "") {
    const receipt = await send(`pay ${leg.fmt(amount)} to ${to}`, token.transfer, [to, amount], leg);
    return sentLine(`paid ${leg.fmt(amount)} to ${to}`, receipt);
  }
  let ref: string;
  try {
    ref = toReference(refText_, "reference");
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  const label = `pay ${leg.fmt(amount)} to ${to} ref "${refText_}"`;
  const receipt = await send(label, token.transferWithReference, [to, amount, ref], leg);
  rememberRef(refText_, ref);
  return sentLine(`paid ${leg.fmt(amount)} to ${to} with reference "${refText_}"`, receipt);
}

async function redeem(form: HTMLFormElement): Promise<string> {
  const s = current();
  const leg = legByLabel(s, "cash", field(form, "currency"));
  const amount = amountIn(field(form, "amount"), leg, "amount");
  const token = leg.contract as unknown as DepositToken;
  const receipt = await send(`request redemption of ${leg.fmt(amount)}`, token.requestRedemption, [amount], leg);
  const event = receipt.logs.map((l) => { try { return token.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "RedemptionRequested");
  return sentLine(`redemption ${event ? String(event.args.id) : "?"} pending: ${leg.fmt(amount)} held until the bank pays out`, receipt);
}

async function approveEscrow(form: HTMLFormElement): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const label = field(form, "token");
  const leg = s.legs.find((l) => l.label === label);
  if (!leg) throw new Refused(`no token "${label}" in this deployment`);
  const amount = amountIn(field(form, "amount"), leg, "amount");
  const receipt = await send(`approve the escrow for ${leg.fmt(amount)}`, leg.contract.approve, [await escrow.getAddress(), amount], leg);
  return sentLine(`the escrow may now take ${leg.fmt(amount)} from ${s.account}`, receipt);
}

/**
 * The two legs of the trade form: the asset leg a security (delivery versus payment) or, with "a currency"
 * chosen, a deposit token (payment versus payment); the cash leg a deposit token.
 */
function legsOfForm(s: Session, form: HTMLFormElement): { asset: Leg; cash: Leg; currencyLeg: boolean } {
  const currencyLeg = field(form, "assetKind") === "currency";
  const asset = currencyLeg ? legByLabel(s, "cash", field(form, "assetCurrency")) : legByLabel(s, "security", field(form, "security"));
  return { asset, cash: legByLabel(s, "cash", field(form, "currency")), currencyLeg };
}

/** The terms of the trade form, parsed by lib/dvp.ts as the commands parse theirs (the same currency on both legs refused). */
function termsOfForm(s: Session, form: HTMLFormElement): TradeTerms {
  const { asset, cash, currencyLeg } = legsOfForm(s, form);
  try {
    return termsFromText({
      seller: field(form, "seller"), buyer: field(form, "buyer"),
      ...(currencyLeg ? { assetAmount: field(form, "assetAmount") } : { units: field(form, "units") }),
      cashAmount: field(form, "cashAmount"), deadline: field(form, "deadline"), ref: field(form, "ref"),
    }, asset, cash, currencyLeg);
  } catch (e) {
    throw new Refused((e as Error).message);
  }
}

/** The rate of a payment versus payment trade, derived from its two amounts as the commands print it ("1 USD = 0.920000 EUR"); undefined for DvP. */
function rateOf(s: Session, terms: Pick<TradeTerms, "asset" | "assetAmount" | "cash" | "cashAmount">): string | undefined {
  const [asset, cash] = [legAt(s, terms.asset), legAt(s, terms.cash)];
  if (asset.kind !== "cash" || cash.kind !== "cash") return undefined;
  return derivedRate({ amount: terms.cashAmount, decimals: cash.decimals, label: cash.label }, { amount: terms.assetAmount, decimals: asset.decimals, label: asset.label }).text;
}

/**
 * What the trade form's legs come to, shown under it as it is typed (before anything is signed or sent):
 * both amounts in their currencies and, for payment versus payment, the rate derived from them; or why the
 * legs are refused (one currency on both, an amount the token's decimals cannot hold).
 */
function previewTerms(form: HTMLFormElement): void {
  const preview = $("#terms-preview");
  const currencyLeg = field(form, "assetKind") === "currency";
  form.querySelectorAll<HTMLElement>(".security-leg").forEach((e) => { e.hidden = currencyLeg; });
  form.querySelectorAll<HTMLElement>(".currency-leg").forEach((e) => { e.hidden = !currencyLeg; });
  if (!session) return;
  const s = session;
  try {
    const { asset, cash } = legsOfForm(s, form);
    if (currencyLeg) requireTwoCurrencies(asset, cash);
    const [assetText, cashText] = [field(form, currencyLeg ? "assetAmount" : "units"), field(form, "cashAmount")];
    if (assetText.trim() === "" || cashText.trim() === "") {
      preview.textContent = "";
      return;
    }
    const assetAmount = amountIn(assetText, asset, currencyLeg ? "--asset-amount" : "--units");
    const cashAmount = amountIn(cashText, cash, "--cash-amount");
    const rate = rateOf(s, { asset: asset.address, assetAmount, cash: cash.address, cashAmount });
    preview.textContent = `seller delivers ${asset.fmt(assetAmount)}, buyer pays ${cash.fmt(cashAmount)}${rate ? `: ${rate} (${RATE_PRECISION})` : ""}`;
  } catch (e) {
    preview.textContent = (e as Error).message;
  }
}

function sideOf(s: Session, terms: TradeTerms, what: string): Side {
  if (s.account === terms.seller) return "seller";
  if (s.account === terms.buyer) return "buyer";
  throw new Refused(`${s.account} is neither the seller ${terms.seller} nor the buyer ${terms.buyer}; only a party may ${what}; nothing was sent`);
}

function termsInWords(s: Session, terms: TradeTerms): string {
  const rate = rateOf(s, terms);
  return `${legAt(s, terms.asset).fmt(terms.assetAmount)} from ${terms.seller} to ${terms.buyer} for ${legAt(s, terms.cash).fmt(terms.cashAmount)}${rate ? `, rate ${rate}` : ""}, deadline ${isoDate(Number(terms.deadline))}, ref ${refText(terms.ref)}`;
}

async function propose(form: HTMLFormElement): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const terms = termsOfForm(s, form);
  sideOf(s, terms, "propose it");
  const receipt = await send(`propose trade ${refText(terms.ref)}`, escrow.proposeTrade, [terms]);
  return sentLine(`trade ${refText(terms.ref)} proposed: ${termsInWords(s, terms)}; each party funds its leg`, receipt);
}

async function fundTrade(id: string): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const [t] = await escrow.getTrade(id);
  const side = sideOf(s, t, "fund it");
  const leg = legAt(s, side === "seller" ? t.asset : t.cash);
  const amount = side === "seller" ? t.assetAmount : t.cashAmount;
  const receipt = await send(`lock ${leg.fmt(amount)} for trade ${refText(t.ref)}`, escrow.fund, [id], leg);
  const state = enumName(TRADE_STATES, (await escrow.getTrade(id))[1]);
  return sentLine(state === "Settled" ? `trade ${refText(t.ref)} settled: both legs delivered` : `trade ${refText(t.ref)} is ${state}: waiting for the other leg`, receipt);
}

async function cancelTrade(id: string): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const [t] = await escrow.getTrade(id);
  const receipt = await send(`cancel trade ${refText(t.ref)}`, escrow.cancel, [id]);
  return sentLine(`trade ${refText(t.ref)} cancelled: locked legs went back`, receipt);
}

/**
 * Signs the terms as EIP-712 typed data through the wallet (eth_signTypedData_v4, the escrow's domain and
 * types from lib/dvp.ts) and offers the file `dvp:sign` writes, byte for byte.
 */
async function sign(terms: TradeTerms): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const side = sideOf(s, terms, "sign it");
  const escrowAddress = await escrow.getAddress();
  show("busy", `signing as ${side}: ${termsInWords(s, terms)}; confirm in the wallet...`);
  const signature = await signTrade(s.signer, escrowAddress, config.chainId, terms);
  const text = signedFileText(signedTradeFile(escrowAddress, config.chainId, terms, s.account, signature));
  const name = signedFileName(terms, side);
  const link = $<HTMLAnchorElement>("#signed-download");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  link.download = name;
  link.textContent = name;
  $("#signed-text").textContent = text;
  $("#signed-output").hidden = false;
  link.click();
  const rate = rateOf(s, terms);
  return `signed as ${side} ${s.account}: ${name} (give it to the settlement agent or the other party)${rate ? `; rate ${rate}` : ""}`;
}

async function countersign(form: HTMLFormElement): Promise<string> {
  const file = await readFileInput(form, "file", "signed file");
  let terms: TradeTerms;
  try {
    terms = parseSignedFile(file.text, file.name).parsed;
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  legAt(current(), terms.asset);
  legAt(current(), terms.cash);
  return sign(terms);
}

async function settleSigned(form: HTMLFormElement): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const [sellerText, buyerText] = [await readFileInput(form, "seller", "seller's file"), await readFileInput(form, "buyer", "buyer's file")];
  let terms: TradeTerms;
  let files;
  try {
    files = [parseSignedFile(sellerText.text, sellerText.name), parseSignedFile(buyerText.text, buyerText.name)];
    terms = await checkSignedPair({ file: files[0], name: sellerText.name }, { file: files[1], name: buyerText.name }, await escrow.getAddress(), config.chainId,
      async (party) => (await s.provider.getCode(party)) !== "0x");
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  const [asset, cash] = [legAt(s, terms.asset), legAt(s, terms.cash)];
  const receipt = await send(`settle signed trade ${refText(terms.ref)}`, escrow.settleSigned, [terms, files[0].signature, files[1].signature], cash);
  return sentLine(`settled ${refText(terms.ref)}: ${asset.fmt(terms.assetAmount)} to ${terms.buyer}, ${cash.fmt(terms.cashAmount)} to ${terms.seller}`, receipt);
}

// ---- payments in another currency with a quote ----

/** A quote file chosen in the FX form, read and checked by lib/fx.ts as fx:pay checks it: this FxQuotes and chain, the provider's signature of its content, its terms in words. */
async function quoteOfForm(s: Session, form: HTMLFormElement): Promise<{ fx: FxQuotes; fxAddress: string; file: SignedQuoteFile; q: FxQuote; sell: Leg; buy: Leg; words: string }> {
  if (!s.fxQuotes) throw new Refused(`the deployment of "${config.network}" has no FxQuotes`);
  const fx = s.fxQuotes;
  const fxAddress = await fx.getAddress();
  const chosen = await readFileInput(form, "quote", "quote file");
  let file;
  try {
    file = parseQuoteFile(chosen.text, chosen.name);
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  const q = file.parsed;
  const [sell, buy] = [legAt(s, q.sellToken), legAt(s, q.buyToken)];
  try {
    await checkQuoteFile(file, chosen.name, fxAddress, config.chainId, { sell, buy }, async (a) => (await s.provider.getCode(a)) !== "0x");
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  const terms = quoteTerms(q, sell, buy);
  const now = (await s.provider.getBlock("latest"))!.timestamp;
  const state = quoteState(Number(await fx.nonceState(q.provider, q.nonce)), q.validUntil, now);
  const words = `you pay ${terms.buy.amountText} to provider ${q.provider}; the beneficiary receives ${terms.sell.amountText}; rate ${terms.rateText} (${RATE_PRECISION}); valid until ${terms.validUntil}; payer ${terms.payer}; ${state}`;
  $("#fx-terms").textContent = words;
  return { fx, fxAddress, file, q, sell, buy, words };
}

/** Shows a chosen quote file's terms (both amounts, the rate, the validity, its state on chain) before anything is sent. */
async function showQuote(form: HTMLFormElement): Promise<string> {
  $("#fx-terms").textContent = "";
  const { words } = await quoteOfForm(current(), form);
  return `quote: ${words}`;
}

/**
 * Pays the beneficiary with the chosen quote as fx:pay --approve does: FxQuotes is asked why not first
 * (another payer, expired, used or cancelled, a beneficiary not allowed, a leg not funded are refused in
 * words before the wallet is asked), FxQuotes is approved for the buy leg when that alone is short (one
 * transaction), then payWithQuote is simulated and sent.
 */
async function payWithQuote(form: HTMLFormElement): Promise<string> {
  const s = current();
  const { fx, fxAddress, file, q, sell, buy } = await quoteOfForm(s, form);
  const beneficiary = addressIn(field(form, "to"), "beneficiary");
  const refText_ = field(form, "ref").trim();
  if (refText_ === "") throw new Refused("reference is empty: a payment with a quote needs one");
  let ref: string;
  try {
    ref = toReference(refText_, "reference");
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  const label = `pay "${refText_}" with quote of ${q.provider}`;
  const refuse = async (data: string): Promise<never> => {
    const why = await quoteRefusalInWords(fx.interface, data, q, { sell, buy }, s.account, beneficiary,
      (d, leg) => explainError({ data: d }, { interfaces: INTERFACES, registry: s.registry, amount: leg?.fmt }));
    throw new Refused(`${label} refused: ${why}; nothing was sent`);
  };
  const legs = { sell: sell.contract, buy: buy.contract };
  const check = await checkQuotePayment(fx, fxAddress, q, file.signature, s.account, beneficiary, legs);
  let refusal = check.refusal;
  if (check.afterApproval !== undefined) {
    if (check.afterApproval !== "0x") await refuse(check.afterApproval);
    await send(`approve FxQuotes for ${buy.fmt(q.buyAmount)}`, buy.contract.approve, [fxAddress, q.buyAmount], buy);
    refusal = (await checkQuotePayment(fx, fxAddress, q, file.signature, s.account, beneficiary, legs)).refusal;
  }
  if (refusal !== "0x") await refuse(refusal);
  const receipt = await send(label, fx.payWithQuote, [q, file.signature, beneficiary, ref], buy);
  rememberRef(refText_, ref);
  const rate = quoteTerms(q, sell, buy).rateText;
  return sentLine(`paid ${buy.fmt(q.buyAmount)} to provider ${q.provider}; ${beneficiary} received ${sell.fmt(q.sellAmount)} at ${rate}, reference "${refText_}" (quote hash ${quoteHash(fxAddress, config.chainId, q)})`, receipt);
}

/** The connected session as the signed-payment forms (signed-payment.ts) use it. */
function paymentPage(): PaymentPage {
  const s = current();
  return {
    account: s.account, chainId: config.chainId, provider: s.provider, signer: s.signer, registry: s.registry,
    cash: (currency) => {
      const leg = legByLabel(s, "cash", currency);
      return { ...leg, contract: leg.contract as unknown as DepositToken };
    },
    send, busy: (text) => show("busy", text), rememberRef,
  };
}

// ---- start ----

function onSubmit(selector: string, action: (form: HTMLFormElement, submitter: HTMLButtonElement | null) => Promise<string>): void {
  const form = $<HTMLFormElement>(selector);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void run(form, () => action(form, (event as SubmitEvent).submitter as HTMLButtonElement | null));
  });
}

async function start(): Promise<void> {
  const response = await fetch("deployment.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`deployment.json: HTTP ${response.status} (serve the page with npm run client -- --network <name>)`);
  config = (await response.json()) as ClientConfig;
  $("#network").textContent = `network ${config.network}, chain id ${config.chainId}`;
  $("#connect").addEventListener("click", () => void run(null, async () => {
    await connect(true);
    return session ? `connected ${session.account} on ${config.network}` : $("#wallet-status").textContent ?? "";
  }));
  $("#switch-chain").addEventListener("click", () => void run(null, async () => {
    await switchToDeploymentChain(injectedWallet(), config);
    await connect(true);
    return `wallet switched to chain ${config.chainId} (${config.network})`;
  }));
  onSubmit("#pay-form", pay);
  onSubmit("#redeem-form", redeem);
  onSubmit("#approve-form", approveEscrow);
  onSubmit("#terms-form", (form, submitter) => (submitter?.value === "sign" ? sign(termsOfForm(current(), form)) : propose(form)));
  const termsForm = $<HTMLFormElement>("#terms-form");
  for (const event of ["input", "change"]) termsForm.addEventListener(event, () => previewTerms(termsForm));
  onSubmit("#countersign-form", countersign);
  onSubmit("#settle-form", settleSigned);
  onSubmit("#fx-form", payWithQuote);
  const fxForm = $<HTMLFormElement>("#fx-form");
  $("#fx-form [name=quote]").addEventListener("change", () => void run(fxForm, () => showQuote(fxForm)));
  onSubmit("#sign-payment-form", (form) => signPaymentForm(form, paymentPage()));
  onSubmit("#settle-payments-form", (form) => settlePaymentFiles(form, paymentPage()));
  const paymentsForm = $<HTMLFormElement>("#settle-payments-form");
  $("#settle-payments-form [name=files]").addEventListener("change", () => void run(paymentsForm, () => checkPaymentFiles(paymentsForm, paymentPage())));
  const wallet = window.ethereum;
  wallet?.on?.("accountsChanged", () => void run(null, async () => { await connect(false); return session ? `account changed: ${session.account}` : "wallet disconnected"; }));
  wallet?.on?.("chainChanged", () => void run(null, async () => { await connect(false); return session ? `chain changed: connected on ${config.network}` : $("#wallet-status").textContent ?? ""; }));
}

start().catch((e: unknown) => show("refused", e instanceof Error ? e.message : String(e)));
