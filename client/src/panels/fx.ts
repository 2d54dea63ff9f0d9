import type { FxQuotes } from "../../../typechain-types";
import { explainError } from "../../../lib/errors";
import { RATE_PRECISION } from "../../../lib/dvp";
import { checkQuoteFile, checkQuotePayment, FxQuote, parseQuoteFile, quoteHash, quoteRefusalInWords, quoteState, quoteTerms, SignedQuoteFile } from "../../../lib/fx";
import { toReference } from "../../../lib/format";
import { addressIn, send, sentLine } from "../actions";
import { $, field, readFileInput } from "../dom";
import { app, current, INTERFACES, Leg, legAt, Refused, rememberRef, Session } from "../state";

/** A quote file chosen in the FX form, read and checked by lib/fx.ts as fx:pay checks it: this FxQuotes and chain, the provider's signature of its content, its terms in words. */
async function quoteOfForm(s: Session, form: HTMLFormElement): Promise<{ fx: FxQuotes; fxAddress: string; file: SignedQuoteFile; q: FxQuote; sell: Leg; buy: Leg; words: string }> {
  if (!s.fxQuotes) throw new Refused(`the deployment of "${app.config.network}" has no FxQuotes`);
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
    await checkQuoteFile(file, chosen.name, fxAddress, app.config.chainId, { sell, buy }, async (a) => (await s.provider.getCode(a)) !== "0x");
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
export async function showQuote(form: HTMLFormElement): Promise<string> {
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
export async function payWithQuote(form: HTMLFormElement): Promise<string> {
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
  return sentLine(`paid ${buy.fmt(q.buyAmount)} to provider ${q.provider}; ${beneficiary} received ${sell.fmt(q.sellAmount)} at ${rate}, reference "${refText_}" (quote hash ${quoteHash(fxAddress, app.config.chainId, q)})`, receipt);
}

