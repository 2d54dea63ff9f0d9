// Browser-safe: imports ethers and nothing of node or Hardhat.
import type { Interface, Signer, TypedDataDomain, TypedDataField } from "ethers";
import { ethers } from "ethers";
import { derivedRate, RATE_PRECISION } from "./dvp";
import { formatAmount, isoDate, parseDate } from "./format";
import { parseJson } from "./json";

/** A liquidity provider's quote, as FxQuotes and the provider's wallet see it (payer zero: any payer). */
export interface FxQuote {
  provider: string;
  payer: string;
  sellToken: string;
  sellAmount: bigint;
  buyToken: string;
  buyAmount: bigint;
  validUntil: bigint;
  nonce: string;
}

/** The EIP-712 type a provider signs; field order and types match FxQuotes.QUOTE_TYPEHASH. */
export const QUOTE_TYPES: Record<string, TypedDataField[]> = {
  Quote: [
    { name: "provider", type: "address" },
    { name: "payer", type: "address" },
    { name: "sellToken", type: "address" },
    { name: "sellAmount", type: "uint256" },
    { name: "buyToken", type: "address" },
    { name: "buyAmount", type: "uint256" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "bytes32" },
  ],
};

/** The EIP-712 domain of FxQuotes: binds a quote to one contract on one chain. */
export function fxQuotesDomain(fxQuotes: string, chainId: bigint | number): TypedDataDomain {
  return { name: "FxQuotes", version: "1", chainId, verifyingContract: fxQuotes };
}

/** Signs a quote as EIP-712 typed data with any ethers signer. */
export async function signQuote(signer: Signer, fxQuotes: string, chainId: bigint | number, quote: FxQuote): Promise<string> {
  return signer.signTypedData(fxQuotesDomain(fxQuotes, chainId), QUOTE_TYPES, quote);
}

/** The quote hash: the EIP-712 digest FxQuotes names in `QuotePaid` (FxQuotes.hashQuote). */
export function quoteHash(fxQuotes: string, chainId: bigint | number, quote: FxQuote): string {
  return ethers.TypedDataEncoder.hash(fxQuotesDomain(fxQuotes, chainId), QUOTE_TYPES, quote);
}

/** Who signed a quote: recovers the address from a signature (for checks before submitting). */
export function quoteSigner(fxQuotes: string, chainId: bigint | number, quote: FxQuote, signature: string): string {
  return ethers.verifyTypedData(fxQuotesDomain(fxQuotes, chainId), QUOTE_TYPES, quote, signature);
}

/** The kind a signed-quote file names itself by. */
export const QUOTE_FILE_KIND = "fx-quote";

/** A leg of a quote in words: its currency, its amount as an integer of the smallest unit and as text. */
export interface QuoteLegText {
  currency: string;
  amount: string;
  amountText: string;
}

/**
 * A signed-quote file as `fx:quote` writes it and `fx:pay`, `fx:show` and `fx:cancel` read it: the
 * quote as signed (`quote`, integers and addresses), the same terms in words (`terms`: both legs in
 * their currencies, the rate derived from them, the validity), the provider's signature, and the
 * FxQuotes contract and chain it was signed for. Only `quote` is signed; `terms` is checked against it.
 */
export interface SignedQuoteFile {
  kind: typeof QUOTE_FILE_KIND;
  fxQuotes: string;
  chainId: string;
  quote: Record<keyof FxQuote, string>;
  terms: { sell: QuoteLegText; buy: QuoteLegText; rate: string; rateText: string; ratePrecision: string; validUntil: string; payer: string };
  signer: string;
  signature: string;
}

export function quoteToJson(q: FxQuote): Record<keyof FxQuote, string> {
  return {
    provider: q.provider, payer: q.payer, sellToken: q.sellToken, sellAmount: q.sellAmount.toString(), buyToken: q.buyToken,
    buyAmount: q.buyAmount.toString(), validUntil: q.validUntil.toString(), nonce: q.nonce,
  };
}

/** A quote from the `quote` object of a file, naming the field that is missing or malformed. */
export function quoteFromJson(json: Record<string, unknown>, what: string): FxQuote {
  const field = (key: string): string => {
    const value = json[key];
    if (typeof value !== "string") throw new Error(`${what}: field "quote.${key}" is missing or not a string`);
    return value;
  };
  const address = (key: string) => {
    try {
      return ethers.getAddress(field(key));
    } catch (e) {
      if ((e as Error).message.startsWith(what)) throw e;
      throw new Error(`${what}: field "quote.${key}" "${field(key)}" is not an address`);
    }
  };
  const integer = (key: string) => {
    if (!/^\d+$/.test(field(key))) throw new Error(`${what}: field "quote.${key}" "${field(key)}" is not a whole number`);
    return BigInt(field(key));
  };
  const nonce = field("nonce");
  if (!/^0x[0-9a-fA-F]{64}$/.test(nonce)) throw new Error(`${what}: field "quote.nonce" "${nonce}" is not 32 bytes of hex`);
  return {
    provider: address("provider"), payer: address("payer"), sellToken: address("sellToken"), sellAmount: integer("sellAmount"),
    buyToken: address("buyToken"), buyAmount: integer("buyAmount"), validUntil: integer("validUntil"), nonce: nonce.toLowerCase(),
  };
}

/** A currency leg of a quote: its token's label ("EUR") and decimals. */
export interface QuoteLeg {
  label: string;
  decimals: number;
}

/**
 * The rate of a quote as payment versus payment shows it (lib/dvp.ts derivedRate): how much of the
 * currency the provider sells one unit of the currency the payer pays buys ("1 USD = 0.920000 EUR").
 */
export function quoteRate(q: FxQuote, sell: QuoteLeg, buy: QuoteLeg): { rate: string; text: string } {
  return derivedRate({ amount: q.buyAmount, decimals: buy.decimals, label: buy.label }, { amount: q.sellAmount, decimals: sell.decimals, label: sell.label });
}

/** The terms of a quote in words, as a signed-quote file carries them and the commands show them. */
export function quoteTerms(q: FxQuote, sell: QuoteLeg, buy: QuoteLeg): SignedQuoteFile["terms"] {
  const leg = (l: QuoteLeg, amount: bigint): QuoteLegText => ({ currency: l.label, amount: amount.toString(), amountText: `${formatAmount(amount, l.decimals)} ${l.label}` });
  const { rate, text } = quoteRate(q, sell, buy);
  return {
    sell: leg(sell, q.sellAmount), buy: leg(buy, q.buyAmount), rate, rateText: text, ratePrecision: RATE_PRECISION,
    validUntil: isoDate(Number(q.validUntil)), payer: q.payer === ethers.ZeroAddress ? "any" : q.payer,
  };
}

/** The signed-quote file of a quote, as `fx:quote` writes it. */
export function signedQuoteFile(fxQuotes: string, chainId: bigint | number | string, q: FxQuote, sell: QuoteLeg, buy: QuoteLeg, signer: string, signature: string): SignedQuoteFile {
  return { kind: QUOTE_FILE_KIND, fxQuotes, chainId: chainId.toString(), quote: quoteToJson(q), terms: quoteTerms(q, sell, buy), signer, signature };
}

/** The text of a signed-quote file: JSON, two-space indent, final newline. */
export function signedQuoteFileText(file: SignedQuoteFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The default file name of a quote: quote.<provider's first 4 bytes>.<nonce's first 8 bytes>.json. */
export function quoteFileName(q: FxQuote): string {
  return `quote.${q.provider.slice(0, 10)}.${q.nonce.slice(2, 18)}.json`;
}

/**
 * Parses the text of a signed-quote file, naming `what` (an option and its file) when it is not one: a
 * signed trade or payment file is named as what it is.
 */
export function parseQuoteFile(text: string, what: string): SignedQuoteFile & { parsed: FxQuote } {
  const json = parseJson<SignedQuoteFile>(text, what, "a signed-quote file");
  if (json.kind !== QUOTE_FILE_KIND) {
    if ("escrow" in json) throw new Error(`${what} is a signed DvP trade file, not a signed quote (dvp:settle-signed takes it)`);
    if ("payment" in json || "token" in json) throw new Error(`${what} is a signed payment file, not a signed quote (payment:settle takes it)`);
    throw new Error(`${what} is not a signed-quote file (its "kind" is not "${QUOTE_FILE_KIND}")`);
  }
  if (json.quote === null || typeof json.quote !== "object") throw new Error(`${what}: field "quote" is missing`);
  return { ...json, parsed: quoteFromJson(json.quote as Record<string, unknown>, what) };
}

/**
 * Checks a signed-quote file before it is used: made for this FxQuotes on this chain, its signature the
 * provider's signature of its quote (a provider with contract code, an ERC-1271 wallet, is left to
 * FxQuotes), and its terms in words those of the quote it signs. Refuses naming the file; `nothing`
 * ends the sentence ("nothing was sent").
 */
export async function checkQuoteFile(
  file: SignedQuoteFile & { parsed: FxQuote }, name: string, fxQuotes: string, chainId: bigint | number,
  legs: { sell: QuoteLeg; buy: QuoteLeg }, isContract: (address: string) => Promise<boolean>, nothing = "nothing was sent",
): Promise<void> {
  if (String(file.fxQuotes).toLowerCase() !== fxQuotes.toLowerCase() || file.chainId !== chainId.toString()) {
    throw new Error(`${name} was signed for FxQuotes ${file.fxQuotes} on chain ${file.chainId}, not ${fxQuotes} on chain ${chainId}; ${nothing}`);
  }
  const q = file.parsed;
  let recovered: string | undefined;
  try {
    recovered = quoteSigner(fxQuotes, chainId, q, file.signature);
  } catch {
    recovered = undefined;
  }
  if (recovered !== q.provider && !(await isContract(q.provider))) {
    if (recovered === undefined) throw new Error(`${name} carries a malformed signature; ${nothing}`);
    throw new Error(`${name}: the signature does not match the file's content (it recovers to ${recovered}, not its provider ${q.provider}): the quote was changed after signing, or it was signed for another FxQuotes or chain; ${nothing}`);
  }
  if (JSON.stringify(file.terms) !== JSON.stringify(quoteTerms(q, legs.sell, legs.buy))) {
    throw new Error(`${name}: the terms in words do not match the signed quote (they were edited after signing); ${nothing}`);
  }
}

/** Units a quote's validity may be given in (`--valid-for 10m`): seconds, minutes, hours, days. */
const VALIDITY_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** The validity a quote gets when neither `--valid-for` nor `--valid-until` is given: ten minutes. */
export const DEFAULT_QUOTE_VALIDITY = 600;

/**
 * The last second a quote may be used: `validFor` after `now` (the chain's time; "90s", "10m", "2h",
 * "1d"), or `validUntil` (YYYY-MM-DD: the end of that day UTC; ISO 8601; unix seconds), else ten minutes.
 * Refuses both given, a malformed value, and a moment not later than `now`, naming the option.
 */
export function quoteValidUntil(validFor: string | undefined, validUntil: string | undefined, now: number): bigint {
  const given = (t: string | undefined) => t !== undefined && t.trim() !== "";
  if (given(validFor) && given(validUntil)) throw new Error("--valid-for and --valid-until are both given: give one");
  if (given(validUntil)) {
    const until = parseDate(validUntil!, "--valid-until");
    if (until <= now) {
      throw new Error(`--valid-until ${isoDate(until)} is not later than now (${isoDate(now)}, the chain's time): the quote would never be usable`);
    }
    return BigInt(until);
  }
  if (!given(validFor)) return BigInt(now + DEFAULT_QUOTE_VALIDITY);
  const m = /^(\d+)([smhd])$/.exec(validFor!.trim());
  if (!m || Number(m[1]) === 0) throw new Error(`--valid-for "${validFor}" is not a positive duration: write 90s, 10m, 2h or 1d`);
  return BigInt(now + Number(m[1]) * VALIDITY_UNITS[m[2]]);
}

/** Where a quote stands on chain: "usable", "used", "cancelled" or "expired" (used and cancelled first). */
export function quoteState(nonceState: number, validUntil: bigint, chainTime: number): "usable" | "used" | "cancelled" | "expired" {
  if (nonceState === 1) return "used";
  if (nonceState === 2) return "cancelled";
  return BigInt(chainTime) > validUntil ? "expired" : "usable";
}

/** What the checks of a payment with a quote read of a token: the typechain and ethers contracts of a deposit token satisfy it. */
export interface QuoteLegFunds {
  balanceOf(account: string): Promise<bigint>;
  allowance(owner: string, spender: string): Promise<bigint>;
}

/** What the checks of a payment with a quote read of FxQuotes: its `whyNot` and its interface (typechain FxQuotes satisfies it). */
export interface QuotePaymentReader {
  whyNot(q: FxQuote, signature: string, payer: string, beneficiary: string): Promise<string>;
  interface: Interface;
}

/**
 * Whether `payer` may pay `beneficiary` with a quote, asked of FxQuotes before anything is sent, as
 * `fx:pay` and the client page ask it: `refusal` is `whyNot`'s answer (the ABI-encoded error
 * `payWithQuote` would raise, "0x" when none: another payer, expired, used or cancelled, a party not
 * allowed, a leg not funded). When that refusal is only the payer's funding of the buy leg,
 * `afterApproval` says what approving FxQuotes for the buy leg would leave ("0x": nothing): both legs'
 * balances and the provider's allowance are checked first, so no approval is made for a payment that
 * would still be refused (a provider short of the sell leg is named as `LegNotFunded` of the provider).
 */
export async function checkQuotePayment(
  fx: QuotePaymentReader, fxQuotes: string, q: FxQuote, signature: string, payer: string, beneficiary: string,
  legs: { sell: QuoteLegFunds; buy: QuoteLegFunds },
): Promise<{ refusal: string; afterApproval?: string }> {
  const refusal = await fx.whyNot(q, signature, payer, beneficiary);
  const parsed = refusal === "0x" ? null : fx.interface.parseError(refusal);
  const buyLeg = parsed?.name === "LegNotFunded" && String(parsed.args.party) === payer && String(parsed.args.token) === q.buyToken;
  if (!buyLeg) return { refusal };
  // The buy leg is the first refusal: every check but the legs' funding passed.
  if ((await legs.buy.balanceOf(payer)) < q.buyAmount) return { refusal, afterApproval: refusal };
  const [balance, allowance] = [await legs.sell.balanceOf(q.provider), await legs.sell.allowance(q.provider, fxQuotes)];
  if (balance < q.sellAmount || allowance < q.sellAmount) {
    return { refusal, afterApproval: fx.interface.encodeErrorResult("LegNotFunded", [q.provider, q.sellToken, q.sellAmount, balance, allowance]) };
  }
  return { refusal, afterApproval: "0x" };
}

/**
 * Why FxQuotes refuses a payment with a quote, in words (`explain` is lib/errors.ts explainError, amounts
 * in the units of `leg` when given): a leg that cannot move is named by its currency and its movement, amounts in its units.
 */
export async function quoteRefusalInWords<L extends QuoteLeg & { fmt(value: bigint): string }>(
  iface: Interface, data: string, q: FxQuote, legs: Record<"sell" | "buy", L>, payer: string, beneficiary: string,
  explain: (data: string, leg?: L) => Promise<string>,
): Promise<string> {
  const parsed = iface.parseError(data);
  if (parsed?.name !== "LegNotFunded") return explain(data);
  const buyLeg = String(parsed.args.token) === q.buyToken && String(parsed.args.party) === payer;
  const [leg, what] = buyLeg
    ? [legs.buy, `payer ${payer} pays ${legs.buy.fmt(q.buyAmount)} to provider ${q.provider}`]
    : [legs.sell, `provider ${q.provider} pays ${legs.sell.fmt(q.sellAmount)} to beneficiary ${beneficiary}`];
  return `${leg.label} leg (${what}): ${await explain(data, leg)}`;
}
