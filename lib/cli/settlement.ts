import fs from "fs";
import path from "path";
import { Interface } from "ethers";
import type { Signer } from "ethers";
import type { DvPEscrow } from "../../typechain-types";
import type { ContractMethodArgs, TypedContractMethod } from "../../typechain-types/common";
import { ESCROW_KEY } from "../deployment";
import {
  derivedRate, parseSignedFile, RATE_PRECISION, requireForEscrow, requireSignedBy, SignedTrade, SignedTradeFile, signedFileName, termsFromText, TermsText,
  lockedTrade, tradeHash, TradeTerms, termsOf,
} from "../dvp";
import { Failure } from "../failure";
import { readTextFile } from "../files";
import { isoDate, refText, tradeRef } from "../format";
import { enumName, TRADE_STATES } from "../roles";
import type { CommandContext, Leg } from "./context";
import { amountsJson } from "./output";

/** A trade of the escrow: locked (by its id) or settled by signature (by its trade hash). */
export interface TradeView {
  id: string;
  terms: TradeTerms;
  state: string;
  /** "locked": proposed and funded leg by leg; "signed": settled in one transaction from both signatures. */
  flow: "locked" | "signed";
}

/** Whether a leg is a deposit token (a currency) rather than a security. */
export function isCurrencyLeg(leg: Leg): boolean {
  return leg.key?.startsWith("DepositToken") ?? false;
}

/** One movement the escrow makes for a leg: `from` pays `amount` to `to` (from the escrow itself: a locked leg). */
export interface LegMove {
  leg: Leg;
  from: string;
  to: string;
  amount: bigint;
  /** The movement in words, for a refusal ("seller 0x... pays 920,000.00 EUR to buyer 0x..."). */
  what: string;
}

/** The escrow of a deployment and its trades, shown in the units of their tokens. */
export class Settlement {
  private constructor(readonly ctx: CommandContext, readonly escrow: DvPEscrow, readonly address: string) {}

  static async open(ctx: CommandContext): Promise<Settlement> {
    const escrow = await ctx.escrow();
    return new Settlement(ctx, escrow, await escrow.getAddress());
  }

  /**
   * A proposed trade by its id (0x and 64 hex digits) or by the reference it was proposed with
   * ("TRADE-0001"); refuses an unknown one. `proposed`: the terms of its TradeProposed event, when the
   * caller has read it already.
   */
  async trade(idOrRef: string, proposed?: TradeTerms[]): Promise<TradeView> {
    let id = idOrRef.trim();
    if (!/^0x[0-9a-fA-F]{64}$/.test(id)) {
      if (/^0x/i.test(id)) throw new Error(`--trade "${idOrRef}" is neither a trade id (0x and 64 hex digits) nor a trade reference`);
      const ref = tradeRef(id, "--trade");
      const found = (await this.proposed()).filter((e) => e.args.ref === ref);
      if (found.length === 0) throw new Failure("NOT_FOUND", `no trade with reference "${idOrRef}" was proposed on ${this.ctx.network}`);
      if (found.length > 1) throw new Error(`${found.length} trades have reference "${idOrRef}" on ${this.ctx.network}: give the trade id (dvp:list)`);
      id = found[0].args.tradeId;
    }
    const { state, terms } = await lockedTrade(this.escrow, id, this.ctx.fromBlock(ESCROW_KEY), proposed);
    if (!terms) throw new Failure("NOT_FOUND", `no trade has id ${id} on ${this.ctx.network}`);
    return { id, state: enumName(TRADE_STATES, state), flow: "locked", terms };
  }

  private async proposed() {
    return this.escrow.queryFilter(this.escrow.filters.TradeProposed(), this.ctx.fromBlock(ESCROW_KEY));
  }

  /** Every trade: the proposed ones with their state now, and the ones settled by signature. */
  async trades(): Promise<TradeView[]> {
    const views: TradeView[] = [];
    for (const e of await this.proposed()) views.push(await this.trade(e.args.tradeId, [termsOf(e.args.terms)]));
    for (const e of await this.escrow.queryFilter(this.escrow.filters.SignedTradeSettled(), this.ctx.fromBlock(ESCROW_KEY))) {
      views.push({ id: e.args.tradeHash, state: "Settled", flow: "signed", terms: termsOf(e.args.terms) });
    }
    return views;
  }

  /** Terms in words: amounts in their tokens' units, parties as onboarded, the reference as given. */
  async describe(terms: TradeTerms): Promise<Record<string, string>> {
    const [asset, cash] = [await this.ctx.leg(terms.asset), await this.ctx.leg(terms.cash)];
    return {
      seller: terms.seller, buyer: terms.buyer,
      ...amountsJson(asset.fmt, { assetAmount: terms.assetAmount }), assetToken: terms.asset,
      ...amountsJson(cash.fmt, { cashAmount: terms.cashAmount }), cashToken: terms.cash,
      deadline: isoDate(Number(terms.deadline)), ref: refText(terms.ref),
      ...(await this.rate(terms)),
    };
  }

  /**
   * A payment versus payment trade (both legs deposit tokens): its rate, derived from the two amounts
   * (`rate`: the asset currency per unit of the cash currency, `rateText`: "1 USD = 0.920000 EUR",
   * `ratePrecision`: how it was derived). Nothing for a DvP trade.
   */
  async rate(terms: TradeTerms): Promise<Record<string, string>> {
    const [asset, cash] = [await this.ctx.leg(terms.asset), await this.ctx.leg(terms.cash)];
    if (!isCurrencyLeg(asset) || !isCurrencyLeg(cash)) return {};
    const { rate, text } = derivedRate(
      { amount: terms.cashAmount, decimals: cash.decimals, label: cash.label },
      { amount: terms.assetAmount, decimals: asset.decimals, label: asset.label },
    );
    return { kind: "PvP", rate, rateText: text, ratePrecision: RATE_PRECISION };
  }

  /** Whether both legs of the terms are deposit tokens (payment versus payment). */
  async isPvP(terms: TradeTerms): Promise<boolean> {
    return isCurrencyLeg(await this.ctx.leg(terms.asset)) && isCurrencyLeg(await this.ctx.leg(terms.cash));
  }

  /** The two movements of a trade settled in one step: the asset from seller to buyer, the cash back. */
  async tradeMoves(terms: TradeTerms): Promise<LegMove[]> {
    const [asset, cash] = [await this.ctx.leg(terms.asset), await this.ctx.leg(terms.cash)];
    return [
      { leg: asset, from: terms.seller, to: terms.buyer, amount: terms.assetAmount, what: `seller ${terms.seller} pays ${asset.fmt(terms.assetAmount)} to buyer ${terms.buyer}` },
      { leg: cash, from: terms.buyer, to: terms.seller, amount: terms.cashAmount, what: `buyer ${terms.buyer} pays ${cash.fmt(terms.cashAmount)} to seller ${terms.seller}` },
    ];
  }

  /**
   * The net movements of a batch per token, as the escrow pairs them (each party that owes pays parties
   * that are owed), with the refusals no movement shows: a party whose net in a token is zero while it
   * is frozen there, a token that moves nothing while it is paused.
   */
  async refusedNets(nets: Map<string, Map<string, bigint>>): Promise<string | undefined> {
    for (const [token, perParty] of nets) {
      const leg = await this.ctx.leg(token);
      const payers = [...perParty].filter(([, n]) => n < 0n).map(([p, n]) => ({ party: p, left: -n }));
      const payees = [...perParty].filter(([, n]) => n > 0n).map(([p, n]) => ({ party: p, left: n }));
      const moves: LegMove[] = [];
      for (let i = 0, j = 0; i < payers.length && j < payees.length;) {
        const amount = payers[i].left < payees[j].left ? payers[i].left : payees[j].left;
        moves.push({ leg, from: payers[i].party, to: payees[j].party, amount, what: `${payers[i].party} pays its net ${leg.fmt(amount)} to ${payees[j].party}` });
        payers[i].left -= amount;
        payees[j].left -= amount;
        if (payers[i].left === 0n) i++;
        if (payees[j].left === 0n) j++;
      }
      const refused = await this.refusedMove(moves);
      if (refused) return refused;
      // The token's own error, explained as any refusal is.
      const because = async (error: string, args: unknown[]) =>
        this.ctx.explain({ data: leg.contract.interface.encodeErrorResult(error, args) }, leg);
      for (const [party, net] of perParty) {
        if (net === 0n && (await leg.contract.isFrozen(party))) {
          return `${leg.label} leg: ${await because("WalletFrozen", [party])} (its net in ${leg.label} is zero, its trades are not)`;
        }
      }
      if (moves.length === 0 && (await leg.contract.paused())) return `${leg.label} leg (nothing of it moves): ${await because("TokenPaused", [])}`;
    }
    return undefined;
  }

  /**
   * The first of `moves` its token refuses, asked as the escrow would make it (transferFrom with the
   * escrow's allowance, or a transfer of a leg locked in the escrow), in words: "EUR leg (seller ... pays
   * ...): WalletFrozen: ... is frozen". Undefined when every token accepts its move.
   */
  async refusedMove(moves: LegMove[]): Promise<string | undefined> {
    const provider = this.ctx.hre.ethers.provider;
    for (const m of moves) {
      const token = m.leg.contract.connect(provider);
      try {
        if (m.from === this.address) await token.transfer.staticCall(m.to, m.amount, { from: this.address });
        else await token.transferFrom.staticCall(m.from, m.to, m.amount, { from: this.address });
      } catch (e) {
        return `${m.leg.label} leg (${m.what}): ${await this.ctx.explain(e, m.leg)}`;
      }
    }
    return undefined;
  }

  /**
   * Sends an escrow call (CommandContext.send) and, when a token refuses it rather than the escrow, names
   * the leg that was refused and why, from `refusedLeg` (the movements asked one by one).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async sendNamingLeg<A extends any[]>(
    label: string, method: TypedContractMethod<A, unknown, "nonpayable">, args: A, leg: Leg | undefined, refusedLeg: () => Promise<string | undefined>,
    items?: readonly string[],
  ) {
    try {
      return await this.ctx.send(label, method, args as A & ContractMethodArgs<A, "nonpayable">, leg, items);
    } catch (e) {
      if (!(e instanceof Failure) || e.code !== "REFUSED" || (e.reason !== undefined && escrowErrors(this.ctx).has(e.reason))) throw e;
      const named = await refusedLeg();
      if (named === undefined) throw e;
      throw new Failure("REFUSED", `${label} refused: ${named}; nothing was sent`, e.reason);
    }
  }

  /**
   * The signer for a party's act: `--from`, else the seller when it is a configured account, else the
   * buyer when it is one. Refused unless it is one of them.
   */
  async partySigner(terms: TradeTerms, what: string): Promise<{ signer: Signer; side: "seller" | "buyer" }> {
    let signer = await this.ctx.signer();
    if (!this.ctx.args.from) {
      const configured = new Map<string, Signer>();
      for (const candidate of await this.ctx.accounts()) configured.set(await candidate.getAddress(), candidate);
      signer = configured.get(terms.seller) ?? configured.get(terms.buyer) ?? signer;
    }
    const address = await signer.getAddress();
    if (address === terms.seller) return { signer, side: "seller" };
    if (address === terms.buyer) return { signer, side: "buyer" };
    throw new Error(`${address} is neither the seller ${terms.seller} nor the buyer ${terms.buyer}; only a party may ${what} (use --from); nothing was sent`);
  }
}

let ESCROW_ERRORS: Set<string> | undefined;

/** The errors the escrow itself raises (IDvPEscrow): any other refusal comes from a leg's token. */
function escrowErrors(ctx: CommandContext): Set<string> {
  if (!ESCROW_ERRORS) {
    const errors: string[] = [];
    new Interface(ctx.hre.artifacts.readArtifactSync("IDvPEscrow").abi).forEachError((e) => errors.push(e.name));
    ESCROW_ERRORS = new Set(errors);
  }
  return ESCROW_ERRORS;
}

/** Trade terms as given on the command line. */
export interface TermsArgs extends TermsText {
  isin?: string;
  /** Payment versus payment: the currency the seller pays (`--asset-amount` of it), instead of a security. */
  assetCurrency?: string;
  currency: string;
}

/**
 * Terms from the command line, amounts in their units (lib/dvp.ts): the security by ISIN (`--units`), or
 * for payment versus payment the seller's currency by `--asset-currency` (`--asset-amount`); the cash by
 * `--currency`. A security's options with a currency leg, or the other way round, are refused.
 */
export async function termsFromArgs(args: TermsArgs, ctx: CommandContext): Promise<TradeTerms> {
  const pvp = args.assetCurrency !== undefined;
  if (pvp) {
    for (const [name, value] of [["units", args.units], ["isin", args.isin]]) {
      if (value !== undefined) throw new Error(`--${name} is for a security leg; with --asset-currency give --asset-amount`);
    }
  } else if (args.assetAmount !== undefined) {
    throw new Error("--asset-amount is for a currency leg: give --asset-currency with it (or --units for a security)");
  }
  for (const [name, value] of [["seller", args.seller], ["buyer", args.buyer], pvp ? ["asset-amount", args.assetAmount] : ["units", args.units], ["cash-amount", args.cashAmount], ["deadline", args.deadline], ["ref", args.ref]]) {
    if (value === undefined) throw new Error(`--${name} is missing`);
  }
  const cash = await ctx.depositToken(args.currency);
  if (!pvp) return termsFromText(args, await ctx.security(args.isin), cash);
  return termsFromText(args, await ctx.depositToken(args.assetCurrency!), cash, true);
}

/** Reads a signed-trade file, naming the option and the file when it is not one. */
export function readSignedFile(file: string, what: string): SignedTradeFile & { parsed: TradeTerms } {
  return parseSignedFile(readTextFile(file, `${what} ${file}`), `${what} ${file}`);
}

/** Where signed files go unless --out says otherwise: signed/ (ignored by git), or SIGNED_DIR. */
export function signedDir(): string {
  return process.env.SIGNED_DIR ?? path.join(__dirname, "..", "..", "signed");
}

/**
 * Writes a signed file unless one is there already: a file with the same terms (`sameTerms` of its text)
 * is kept and false returned; a file with other terms, or one that cannot be read as a signed file, is
 * refused naming it. With `force` the file is replaced. Returns true when the file was written.
 */
export function writeSignedFile(file: string, text: string, sameTerms: (existing: string) => boolean, force: boolean): boolean {
  if (!force && fs.existsSync(file)) {
    let same = false;
    try {
      same = sameTerms(fs.readFileSync(file, "utf8"));
    } catch {
      same = false;
    }
    if (same) return false;
    throw new Error(`${file} already exists with other terms; nothing was written (choose another --out, or --force to replace it)`);
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
  return true;
}

/** The default file of one party's signature of a trade: signed/<ref>.<side>.json. */
export function signedFilePath(terms: TradeTerms, side: "seller" | "buyer"): string {
  return path.join(signedDir(), signedFileName(terms, side));
}

/** Refuses, before anything is sent, when `owner` allows the escrow less than `amount` of the leg, naming the command that grants it. */
export async function requireEscrowAllowance(leg: Leg, owner: string, escrow: string, amount: bigint, security: boolean): Promise<void> {
  const allowance = await leg.contract.allowance(owner, escrow);
  if (allowance < amount) {
    const how = security ? `security:approve --from ${owner} --spender escrow --units` : `token:approve --from ${owner} --spender escrow --amount`;
    throw new Error(`${owner} allows the escrow ${leg.fmt(allowance)}, needs ${leg.fmt(amount)}: it must run ${how} ${leg.fmt(amount).split(" ")[0].replace(/,/g, "")} (or the :permit command); nothing was sent`);
  }
}

/** A trade of a batch, from its seller's and its buyer's signed files. */
export interface BatchTrade extends SignedTrade {
  tradeHash: string;
  sellerFile: string;
  buyerFile: string;
}

/**
 * Pairs signed files into trades: groups them by trade hash, each file checked for this escrow and chain
 * and for its signer (the seller or the buyer of its terms). Refuses, naming the file or the trade, a
 * file of another escrow or chain, a signer who is neither party, two files of the same side, and a
 * trade missing a party's file. Trades keep the order in which their first file was given.
 */
export async function pairSignedFiles(ctx: CommandContext, escrow: string, chainId: bigint, names: string[]): Promise<BatchTrade[]> {
  const trades = new Map<string, { terms: TradeTerms; seller?: [string, string]; buyer?: [string, string] }>();
  for (const name of names) {
    const file = readSignedFile(name, "--files");
    requireForEscrow(file, name, escrow, chainId);
    const terms = file.parsed;
    const hash = tradeHash(escrow, chainId, terms);
    const signer = String(file.signer ?? "").toLowerCase();
    const side = signer === terms.seller.toLowerCase() ? "seller" : signer === terms.buyer.toLowerCase() ? "buyer" : undefined;
    if (!side) throw new Error(`${name} names signer ${file.signer}, neither the seller ${terms.seller} nor the buyer ${terms.buyer} of trade ${refText(terms.ref)}; nothing was sent`);
    await requireSignedBy(file, name, escrow, chainId, terms[side], async (a) => (await ctx.hre.ethers.provider.getCode(a)) !== "0x");
    const trade = trades.get(hash) ?? { terms };
    const other = trade[side];
    if (other) throw new Error(`${other[0]} and ${name} are both the ${side}'s file of trade ${refText(terms.ref)}; nothing was sent`);
    trade[side] = [name, file.signature];
    trades.set(hash, trade);
  }
  return [...trades].map(([hash, t]) => {
    for (const side of ["seller", "buyer"] as const) {
      if (!t[side]) throw new Error(`trade ${refText(t.terms.ref)} (trade hash ${hash}) has no ${side}'s file (${t.terms[side]}) among --files; nothing was sent`);
    }
    return { terms: t.terms, tradeHash: hash, sellerFile: t.seller![0], sellerSig: t.seller![1], buyerFile: t.buyer![0], buyerSig: t.buyer![1] };
  });
}
