// Browser-safe: the client page (client/) imports this module, so it imports ethers and nothing of node or Hardhat.
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { ethers } from "ethers";
import { parseAddress, parseAmount, parseDate, refText, tradeRef } from "./format";
import { parseJson } from "./json";
import type { DvPEscrow } from "../typechain-types";

/** The terms of a DvP trade, as the escrow and the parties' wallets see them. */
export interface TradeTerms {
  seller: string;
  buyer: string;
  asset: string;
  assetAmount: bigint;
  cash: string;
  cashAmount: bigint;
  deadline: bigint;
  ref: string;
}

/** The EIP-712 type both parties sign; field order and types match DvPEscrow.TRADE_TYPEHASH. */
export const TRADE_TYPES: Record<string, TypedDataField[]> = {
  Trade: [
    { name: "seller", type: "address" },
    { name: "buyer", type: "address" },
    { name: "asset", type: "address" },
    { name: "assetAmount", type: "uint256" },
    { name: "cash", type: "address" },
    { name: "cashAmount", type: "uint256" },
    { name: "deadline", type: "uint64" },
    { name: "ref", type: "bytes32" },
  ],
};


/** The escrow's EIP-712 domain: binds a signature to one escrow on one chain. */
export function escrowDomain(escrow: string, chainId: bigint | number): TypedDataDomain {
  return { name: "DvPEscrow", version: "1", chainId, verifyingContract: escrow };
}

/** Signs the terms as EIP-712 typed data with any ethers signer (a Wallet, a custody system's signer). */
export async function signTrade(signer: Signer, escrow: string, chainId: bigint | number, terms: TradeTerms): Promise<string> {
  return signer.signTypedData(escrowDomain(escrow, chainId), TRADE_TYPES, terms);
}

/**
 * The trade hash of signed terms: the EIP-712 digest the escrow records when they settle or are
 * withdrawn (DvPEscrow.hashTrade, `tradeHash` in its events and errors). One name for it everywhere.
 */
export function tradeHash(escrow: string, chainId: bigint | number, terms: TradeTerms): string {
  return ethers.TypedDataEncoder.hash(escrowDomain(escrow, chainId), TRADE_TYPES, terms);
}

/**
 * The EIP-712 struct hash of terms: what the escrow keeps of a trade of the locking flow (DvPEscrow.hashTerms,
 * the second value of getTrade, `termsHash` in TradeTermsMismatch).
 */
export function termsHash(terms: TradeTerms): string {
  return ethers.TypedDataEncoder.hashStruct("Trade", TRADE_TYPES, terms);
}

/** Terms as a plain object, from the struct an escrow call or event returns (an ethers Result). */
export function termsOf(t: TradeTerms): TradeTerms {
  return { seller: t.seller, buyer: t.buyer, asset: t.asset, assetAmount: t.assetAmount, cash: t.cash, cashAmount: t.cashAmount, deadline: t.deadline, ref: t.ref };
}

/** A trade of the locking flow: its state (0n: unknown) and the terms it was proposed with. */
export interface LockedTrade {
  state: bigint;
  terms?: TradeTerms;
}

/**
 * A trade of the locking flow by its id: its state, and its terms from its TradeProposed event, checked
 * against the hash the escrow keeps (the escrow does not store the terms; every call on the trade passes
 * them). An unknown trade has state 0n and no terms; a known one whose event is not found from `fromBlock`
 * on (or whose terms are not among `proposed`, when given) is an error naming the block.
 */
export async function lockedTrade(escrow: DvPEscrow, tradeId: string, fromBlock: number | string = 0, proposed?: TradeTerms[]): Promise<LockedTrade> {
  const [state, hash] = await escrow.getTrade(tradeId);
  if (state === 0n) return { state };
  // A caller that holds the trade's TradeProposed event already passes its terms (`proposed`): no second query.
  const candidates = proposed ?? (await escrow.queryFilter(escrow.filters.TradeProposed(tradeId), fromBlock)).map((e) => termsOf(e.args.terms));
  const terms = candidates.find((t) => termsHash(t) === hash);
  if (!terms) throw new Error(`trade ${tradeId}: no TradeProposed event from block ${fromBlock} on carries the terms the escrow holds (hash ${hash})`);
  return { state, terms };
}

/** Who signed these terms: recovers the address from a signature (for checks before submitting). */
export function tradeSigner(escrow: string, chainId: bigint | number, terms: TradeTerms, signature: string): string {
  return ethers.verifyTypedData(escrowDomain(escrow, chainId), TRADE_TYPES, terms, signature);
}

/** A signed-trade file as `dvp:sign` writes it and `dvp:settle-signed` reads it. */
export interface SignedTradeFile {
  escrow: string;
  chainId: string;
  terms: Record<keyof TradeTerms, string>;
  signer: string;
  signature: string;
}

export function termsToJson(terms: TradeTerms): Record<keyof TradeTerms, string> {
  return {
    seller: terms.seller, buyer: terms.buyer, asset: terms.asset, assetAmount: terms.assetAmount.toString(),
    cash: terms.cash, cashAmount: terms.cashAmount.toString(), deadline: terms.deadline.toString(), ref: terms.ref,
  };
}

export function termsFromJson(json: Record<string, string>, what = "terms"): TradeTerms {
  for (const key of TRADE_TYPES.Trade.map((f) => f.name)) {
    if (typeof json[key] !== "string") throw new Error(`${what}: field "${key}" is missing`);
  }
  return {
    seller: ethers.getAddress(json.seller), buyer: ethers.getAddress(json.buyer), asset: ethers.getAddress(json.asset),
    assetAmount: BigInt(json.assetAmount), cash: ethers.getAddress(json.cash), cashAmount: BigInt(json.cashAmount),
    deadline: BigInt(json.deadline), ref: json.ref,
  };
}

/** A field of a terms file as a string, naming the field when it is missing or not a string. */
function termsField(json: Record<string, unknown>, key: string, what: string): string {
  const value = json[key];
  if (value === undefined) throw new Error(`${what}: field "${key}" is missing`);
  if (typeof value !== "string") throw new Error(`${what}: field "${key}" must be a string ("${String(value)}" in quotes)`);
  return value.trim();
}

/**
 * Terms from a terms file a person wrote (scripts/sign-trade.ts): parties and tokens as addresses; the
 * reference as `--ref` takes it (text up to 31 bytes, or 0x and 64 hex digits); the deadline as
 * `--deadline` takes it (YYYY-MM-DD, the end of that day UTC; ISO 8601; unix seconds); amounts as signed,
 * whole numbers of the tokens' smallest units. An amount in currency units ("180000.00") is refused with
 * the number to write instead, from `decimalsOf` (a token's decimals, undefined when it is not known).
 */
export function termsFromTermsFile(json: Record<string, unknown>, what: string, decimalsOf: (token: string) => number | undefined): TradeTerms {
  const address = (key: string) => parseAddress(termsField(json, key, what), `${what}: field "${key}"`);
  const [seller, buyer, asset, cash] = [address("seller"), address("buyer"), address("asset"), address("cash")];
  const amount = (key: string, token: string) => {
    const text = termsField(json, key, what);
    if (/^\d+$/.test(text)) return BigInt(text);
    const decimals = decimalsOf(token);
    const expected = `a whole number of the token's smallest units, as signed`;
    if (decimals === undefined) throw new Error(`${what}: field "${key}" "${text}" is not ${expected}`);
    const units = parseAmount(text, decimals, `${what}: field "${key}"`);
    throw new Error(`${what}: field "${key}" "${text}" is not ${expected}: with ${decimals} decimals, ${text} is "${units}"`);
  };
  return {
    seller, buyer, asset, assetAmount: amount("assetAmount", asset), cash, cashAmount: amount("cashAmount", cash),
    deadline: BigInt(parseDate(termsField(json, "deadline", what), `${what}: field "deadline"`)),
    ref: tradeRef(termsField(json, "ref", what), `${what}: field "ref"`),
  };
}

/** Trade terms as a person gives them: parties, amounts in currency units, a date, a reference (the option names of the commands). */
export interface TermsText {
  seller?: string;
  buyer?: string;
  /** The security's units (delivery versus payment). */
  units?: string;
  /** The amount of the asset currency, in its units (payment versus payment: `--asset-amount` with `--asset-currency`). */
  assetAmount?: string;
  cashAmount?: string;
  deadline?: string;
  ref?: string;
}

/** A token of a leg: its address and decimals (and its label, "USD", for a currency leg). */
export interface LegToken {
  address: string;
  decimals: number;
  label?: string;
}

/** Refuses a payment versus payment trade whose two legs are one currency (the escrow refuses it too: SameToken). */
export function requireTwoCurrencies(asset: LegToken, cash: LegToken): void {
  if (asset.address.toLowerCase() === cash.address.toLowerCase()) {
    throw new Error(`--asset-currency and --currency are both ${cash.label ?? cash.address}: payment versus payment exchanges two different currencies`);
  }
}

/**
 * Terms from text, amounts parsed exactly in the units of their tokens; refuses a missing or malformed
 * field naming it as the commands do (`--cash-amount`). The asset amount is `--units` of a security, or
 * with `currencyLeg` (payment versus payment) `--asset-amount` of a second currency, refused when it is the
 * cash currency itself. The commands and the client page parse terms here.
 */
export function termsFromText(text: TermsText, asset: LegToken, cash: LegToken, currencyLeg = false): TradeTerms {
  if (currencyLeg) requireTwoCurrencies(asset, cash);
  const [assetOption, assetText] = currencyLeg ? ["asset-amount", text.assetAmount] : ["units", text.units];
  for (const [name, value] of [["seller", text.seller], ["buyer", text.buyer], [assetOption, assetText], ["cash-amount", text.cashAmount], ["deadline", text.deadline], ["ref", text.ref]]) {
    if (value === undefined || value.trim() === "") throw new Error(`--${name} is missing`);
  }
  const assetAmount = parseAmount(assetText!, asset.decimals, `--${assetOption}`);
  const cashAmount = parseAmount(text.cashAmount!, cash.decimals, "--cash-amount");
  if (assetAmount === 0n) throw new Error(`--${assetOption} "${assetText}" is zero`);
  if (cashAmount === 0n) throw new Error(`--cash-amount "${text.cashAmount}" is zero`);
  return {
    seller: parseAddress(text.seller!.trim(), "--seller"), buyer: parseAddress(text.buyer!.trim(), "--buyer"),
    asset: asset.address, assetAmount, cash: cash.address, cashAmount,
    deadline: BigInt(parseDate(text.deadline!, "--deadline")), ref: tradeRef(text.ref!, "--ref"),
  };
}

/** The decimals a derived exchange rate is shown with. */
export const RATE_DECIMALS = 6;

/** How a derived rate is computed, as the commands state it beside the rate. */
export const RATE_PRECISION = `derived from the two amounts, ${RATE_DECIMALS} decimals, rounded half to even`;

/** An amount of a currency leg: the integer in its smallest unit, its decimals and its label ("USD"). */
export interface CurrencyAmount {
  amount: bigint;
  decimals: number;
  label: string;
}

/**
 * The exchange rate of a payment versus payment trade, derived from its two amounts and never stored:
 * how much of `quote` one unit of `base` buys (quote / base, each amount in its currency's units), to
 * `places` decimals rounded half to even, computed in integers. `rate` is the decimal ("0.920000"),
 * `text` the quotation ("1 USD = 0.920000 EUR").
 */
export function derivedRate(base: CurrencyAmount, quote: CurrencyAmount, places = RATE_DECIMALS): { rate: string; text: string } {
  if (base.amount <= 0n || quote.amount < 0n) throw new Error(`a rate needs a positive ${base.label} amount, not ${base.amount}`);
  const numerator = quote.amount * 10n ** BigInt(base.decimals + places);
  const denominator = base.amount * 10n ** BigInt(quote.decimals);
  let scaled = numerator / denominator;
  const twice = 2n * (numerator % denominator);
  if (twice > denominator || (twice === denominator && scaled % 2n === 1n)) scaled += 1n;
  const digits = scaled.toString().padStart(places + 1, "0");
  const rate = places > 0 ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits;
  return { rate, text: `1 ${base.label} = ${rate} ${quote.label}` };
}

/** Which party a signed file is from. */
export type Side = "seller" | "buyer";

/** The signed-trade file of one party, as `dvp:sign`, scripts/sign-trade.ts and the client page write it. */
export function signedTradeFile(escrow: string, chainId: bigint | number | string, terms: TradeTerms, signer: string, signature: string): SignedTradeFile {
  return { escrow, chainId: chainId.toString(), terms: termsToJson(terms), signer, signature };
}

/** The text of a signed-trade file: the same bytes wherever it is signed (JSON, two-space indent, final newline). */
export function signedFileText(file: SignedTradeFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The file name of one party's signature of a trade: <ref>.<side>.json (the reference as text where it is text). */
export function signedFileName(terms: TradeTerms, side: Side): string {
  return `${refText(terms.ref).replace(/[^A-Za-z0-9._-]+/g, "_")}.${side}.json`;
}

/** Parses the text of a signed-trade file, naming `what` (an option and a file, a form field) when it is not one. */
export function parseSignedFile(text: string, what: string): SignedTradeFile & { parsed: TradeTerms } {
  const json = parseJson<SignedTradeFile>(text, what, "a signed-trade file");
  if (json.terms === undefined && ("payment" in json || "token" in json)) {
    throw new Error(`${what} is a signed payment file, not a signed DvP trade file (payment:settle and payment:settle-batch take it)`);
  }
  return { ...json, parsed: termsFromJson(json.terms ?? {}, what) };
}

/**
 * Checks a seller's and a buyer's signed files before a settlement is sent: both name this escrow and
 * chain, carry the same terms, and are signed by the party they stand for (a party with contract code, an
 * ERC-1271 wallet, is left to the escrow). Returns the terms; refuses naming the file. The command
 * `dvp:settle-signed` and the client page settle through this one check.
 */
export async function checkSignedPair(
  seller: { file: SignedTradeFile & { parsed: TradeTerms }; name: string },
  buyer: { file: SignedTradeFile & { parsed: TradeTerms }; name: string },
  escrow: string,
  chainId: bigint | number,
  isContract: (address: string) => Promise<boolean>,
): Promise<TradeTerms> {
  for (const { file, name } of [seller, buyer]) requireForEscrow(file, name, escrow, chainId);
  if (JSON.stringify(termsToJson(seller.file.parsed)) !== JSON.stringify(termsToJson(buyer.file.parsed))) {
    throw new Error(`${seller.name} and ${buyer.name} sign different terms; nothing was sent`);
  }
  const terms = seller.file.parsed;
  await requireSignedBy(seller.file, seller.name, escrow, chainId, terms.seller, isContract);
  await requireSignedBy(buyer.file, buyer.name, escrow, chainId, terms.buyer, isContract);
  return terms;
}

/** Refuses a signed file made for another escrow or another chain, naming the file. */
export function requireForEscrow(file: SignedTradeFile, name: string, escrow: string, chainId: bigint | number): void {
  if (file.escrow?.toLowerCase() !== escrow.toLowerCase() || file.chainId !== chainId.toString()) {
    throw new Error(`${name} was signed for escrow ${file.escrow} on chain ${file.chainId}, not ${escrow} on chain ${chainId}; nothing was sent`);
  }
}

/**
 * Refuses a signed file whose signature is not `party`'s signature of its terms, naming the file: signed
 * by the other party (its signature recovers to the signer it names), or its content changed after it was
 * signed (it recovers to no one it names). A contract wallet (ERC-1271) cannot be checked off-chain: the
 * escrow asks it when the trade settles.
 */
export async function requireSignedBy(
  file: SignedTradeFile & { parsed: TradeTerms }, name: string, escrow: string, chainId: bigint | number, party: string,
  isContract: (address: string) => Promise<boolean>,
): Promise<void> {
  let recovered: string | undefined;
  try {
    recovered = tradeSigner(escrow, chainId, file.parsed, file.signature);
  } catch {
    recovered = undefined;
  }
  if (recovered === party || (await isContract(party))) return;
  if (recovered === undefined) throw new Error(`${name} carries a malformed signature; nothing was sent`);
  if (recovered.toLowerCase() === String(file.signer ?? "").toLowerCase()) {
    throw new Error(`${name} is signed by ${recovered}, not by ${party}; nothing was sent`);
  }
  throw new Error(`${name}: the signature does not match the file's content (it recovers to ${recovered}, not its signer ${file.signer}): the terms were changed after signing, or it was signed for another escrow or chain; nothing was sent`);
}

/** A trade with both signatures, as `DvPEscrow.settleSignedBatch` takes it. */
export interface SignedTrade {
  terms: TradeTerms;
  sellerSig: string;
  buyerSig: string;
}

/** Per token, what a netted batch moves: gross (the sum of its trades' amounts) and net (what actually moves). */
export interface TokenTotals {
  token: string;
  gross: bigint;
  net: bigint;
}

/**
 * Each party's net per token over a batch of trades (token -> party -> amount; positive: receives,
 * negative: pays, zero: trades but moves nothing), tokens in the order the batch first names them (each
 * trade's asset, then its cash), as DvPEscrow.settleSignedBatch nets them.
 */
export function netPositions(trades: TradeTerms[]): Map<string, Map<string, bigint>> {
  const nets = new Map<string, Map<string, bigint>>();
  const add = (token: string, party: string, amount: bigint) => {
    const perParty = nets.get(token) ?? new Map<string, bigint>();
    nets.set(token, perParty);
    perParty.set(party, (perParty.get(party) ?? 0n) + amount);
  };
  for (const t of trades) {
    add(t.asset, t.seller, -t.assetAmount);
    add(t.asset, t.buyer, t.assetAmount);
    add(t.cash, t.buyer, -t.cashAmount);
    add(t.cash, t.seller, t.cashAmount);
  }
  return nets;
}

/** Per token, gross and net of a batch, in the order and form of the SignedTradeBatchSettled event. */
export function batchTotals(trades: TradeTerms[]): TokenTotals[] {
  const gross = new Map<string, bigint>();
  for (const t of trades) {
    gross.set(t.asset, (gross.get(t.asset) ?? 0n) + t.assetAmount);
    gross.set(t.cash, (gross.get(t.cash) ?? 0n) + t.cashAmount);
  }
  return [...netPositions(trades)].map(([token, perParty]) => ({
    token,
    gross: gross.get(token)!,
    net: [...perParty.values()].reduce((sum, v) => (v > 0n ? sum + v : sum), 0n),
  }));
}
