import {
  checkSignedPair, derivedRate, lockedTrade, parseSignedFile, RATE_PRECISION, requireTwoCurrencies, Side, signedFileName, signedFileText, signedTradeFile,
  signTrade, termsFromText, termsOf, TradeTerms,
} from "../../../lib/dvp";
import { isoDate, refText } from "../../../lib/format";
import { enumName, OPEN_TRADE_STATES, TRADE_STATES } from "../../../lib/roles";
import { amountIn, run, send, sentLine } from "../actions";
import { $, el, field, fillTable, readFileInput, row, show } from "../dom";
import { app, current, Leg, legAt, legByLabel, Refused, requireEscrow, Session } from "../state";

/** The open trades panel: trades the wallet is seller or buyer of that are not settled or cancelled, each with Fund and Cancel. */
export async function refreshTrades(s: Session): Promise<void> {
  const rows: HTMLTableRowElement[] = [];
  if (s.escrow) {
    const escrow = s.escrow;
    const from = app.config.escrow!.fromBlock;
    const proposed = [
      ...(await escrow.queryFilter(escrow.filters.TradeProposed(undefined, s.account), from)),
      ...(await escrow.queryFilter(escrow.filters.TradeProposed(undefined, undefined, s.account), from)),
    ];
    const seen = new Set<string>();
    for (const e of proposed) {
      const id = e.args.tradeId;
      if (seen.has(id)) continue;
      seen.add(id);
      const { state: stateValue, terms: t } = await lockedTrade(escrow, id, from, [termsOf(e.args.terms)]);
      if (!t || !OPEN_TRADE_STATES.has(Number(stateValue))) continue;
      const state = enumName(TRADE_STATES, stateValue);
      const side: Side = t.seller === s.account ? "seller" : "buyer";
      const ref = refText(t.ref);
      const buttons = el("span");
      const funded = (side === "seller" && state === "SellerFunded") || (side === "buyer" && state === "BuyerFunded");
      if (!funded) {
        const fund = el("button", "Fund") as HTMLButtonElement;
        fund.dataset.trade = ref;
        fund.className = "fund";
        fund.addEventListener("click", () => void run(fund.parentElement, () => fundTrade(id, t)));
        buttons.append(fund);
      }
      const cancel = el("button", "Cancel") as HTMLButtonElement;
      cancel.dataset.trade = ref;
      cancel.className = "cancel";
      cancel.addEventListener("click", () => void run(cancel.parentElement, () => cancelTrade(id, t)));
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

/** "Allow the escrow a leg": approves the escrow for an amount of a token, as a party does before it funds. */
export async function approveEscrow(form: HTMLFormElement): Promise<string> {
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
export function termsOfForm(s: Session, form: HTMLFormElement): TradeTerms {
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
export function previewTerms(form: HTMLFormElement): void {
  const preview = $("#terms-preview");
  const currencyLeg = field(form, "assetKind") === "currency";
  form.querySelectorAll<HTMLElement>(".security-leg").forEach((e) => { e.hidden = currencyLeg; });
  form.querySelectorAll<HTMLElement>(".currency-leg").forEach((e) => { e.hidden = !currencyLeg; });
  if (!app.session) return;
  const s = app.session;
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

export async function propose(form: HTMLFormElement): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const terms = termsOfForm(s, form);
  sideOf(s, terms, "propose it");
  const receipt = await send(`propose trade ${refText(terms.ref)}`, escrow.proposeTrade, [terms]);
  return sentLine(`trade ${refText(terms.ref)} proposed: ${termsInWords(s, terms)}; each party funds its leg`, receipt);
}

/** Locks the wallet's leg of trade `id`, whose terms `t` the trades list read from its TradeProposed event. */
async function fundTrade(id: string, t: TradeTerms): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const side = sideOf(s, t, "fund it");
  const leg = legAt(s, side === "seller" ? t.asset : t.cash);
  const amount = side === "seller" ? t.assetAmount : t.cashAmount;
  const receipt = await send(`lock ${leg.fmt(amount)} for trade ${refText(t.ref)}`, escrow.fund, [id, t], leg);
  const state = enumName(TRADE_STATES, (await escrow.getTrade(id)).state);
  return sentLine(state === "Settled" ? `trade ${refText(t.ref)} settled: both legs delivered` : `trade ${refText(t.ref)} is ${state}: waiting for the other leg`, receipt);
}

/** Cancels trade `id`, whose terms `t` the trades list read from its TradeProposed event. */
async function cancelTrade(id: string, t: TradeTerms): Promise<string> {
  const escrow = requireEscrow(current());
  const receipt = await send(`cancel trade ${refText(t.ref)}`, escrow.cancel, [id, t]);
  return sentLine(`trade ${refText(t.ref)} cancelled: locked legs went back`, receipt);
}

/**
 * Signs the terms as EIP-712 typed data through the wallet (eth_signTypedData_v4, the escrow's domain and
 * types from lib/dvp.ts) and offers the file `dvp:sign` writes, byte for byte.
 */
export async function sign(terms: TradeTerms): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const side = sideOf(s, terms, "sign it");
  const escrowAddress = await escrow.getAddress();
  show("busy", `signing as ${side}: ${termsInWords(s, terms)}; confirm in the wallet...`);
  const signature = await signTrade(s.signer, escrowAddress, app.config.chainId, terms);
  const text = signedFileText(signedTradeFile(escrowAddress, app.config.chainId, terms, s.account, signature));
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

export async function countersign(form: HTMLFormElement): Promise<string> {
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

export async function settleSigned(form: HTMLFormElement): Promise<string> {
  const s = current();
  const escrow = requireEscrow(s);
  const [sellerText, buyerText] = [await readFileInput(form, "seller", "seller's file"), await readFileInput(form, "buyer", "buyer's file")];
  let terms: TradeTerms;
  let files;
  try {
    files = [parseSignedFile(sellerText.text, sellerText.name), parseSignedFile(buyerText.text, buyerText.name)];
    terms = await checkSignedPair({ file: files[0], name: sellerText.name }, { file: files[1], name: buyerText.name }, await escrow.getAddress(), app.config.chainId,
      async (party) => (await s.provider.getCode(party)) !== "0x");
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  const [asset, cash] = [legAt(s, terms.asset), legAt(s, terms.cash)];
  const receipt = await send(`settle signed trade ${refText(terms.ref)}`, escrow.settleSigned, [terms, files[0].signature, files[1].signature], cash);
  return sentLine(`settled ${refText(terms.ref)}: ${asset.fmt(terms.assetAmount)} to ${terms.buyer}, ${cash.fmt(terms.cashAmount)} to ${terms.seller}`, receipt);
}
