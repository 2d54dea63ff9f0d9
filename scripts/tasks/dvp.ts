import fs from "fs";
import type { Signer } from "ethers";
import type { DvPEscrow, SecurityToken } from "../../typechain-types";
import { CommandContext, CommonArgs, isoDate, parseExpiry } from "../../lib/cli/context";
import { out, printTable, toJson, UserError } from "../../lib/cli/output";
import { ESCROW_KEY, securityTokenKey } from "../../lib/deployment";
import {
  SignedTradeFile, signTrade, termsFromJson, termsToJson, TRADE_STATES, tradeDigest, tradeSigner, TradeTerms,
} from "../../lib/dvp";
import { formatAmount, parseAddress, parseAmount, toReference } from "../../lib/format";
import { action, command } from "./command";

const OPEN_STATES = new Set([1, 2, 3]); // Proposed, SellerFunded, BuyerFunded

/** An ERC-20 leg of a trade with what it takes to show its amounts. */
export interface Leg {
  address: string;
  label: string;
  decimals: number;
  fmt(value: bigint): string;
  contract: SecurityToken;
}

/** The escrow, and how to show amounts of any token it settles. */
export class Settlement {
  private readonly legs = new Map<string, Leg>();

  private constructor(readonly ctx: CommandContext, readonly escrow: DvPEscrow, readonly address: string) {}

  static async open(ctx: CommandContext): Promise<Settlement> {
    const entry = ctx.record.contracts[ESCROW_KEY];
    if (!entry) throw new UserError(`deployment of "${ctx.hre.network.name}" has no DvPEscrow`);
    const escrow = (await ctx.hre.ethers.getContractAt("DvPEscrow", entry.address)) as unknown as DvPEscrow;
    ctx.addInterface(escrow.interface);
    ctx.addInterface((await ctx.hre.ethers.getContractFactory("SecurityToken")).interface);
    return new Settlement(ctx, escrow, entry.address);
  }

  /** A token's symbol and decimals (any ERC-20: the deposit token, a security token). */
  async leg(address: string): Promise<Leg> {
    const known = this.legs.get(address);
    if (known) return known;
    const contract = (await this.ctx.hre.ethers.getContractAt("SecurityToken", address)) as unknown as SecurityToken;
    let symbol: string;
    let decimals: number;
    try {
      [symbol, decimals] = [await contract.symbol(), Number(await contract.decimals())];
    } catch {
      throw new UserError(`${address} is not a token`);
    }
    const leg = { address, label: symbol, decimals, contract, fmt: (v: bigint) => `${formatAmount(v, decimals)} ${symbol}` };
    this.legs.set(address, leg);
    return leg;
  }

  /** The recorded security token: by ISIN, or the only one deployed. */
  async security(isin?: string): Promise<Leg> {
    const recorded = Object.keys(this.ctx.record.contracts).filter((k) => k.startsWith("SecurityToken:")).map((k) => k.split(":")[1]);
    const code = isin?.trim().toUpperCase() ?? (recorded.length === 1 ? recorded[0] : undefined);
    if (!code) throw new UserError(`--isin is needed: network "${this.ctx.hre.network.name}" has ${recorded.length ? `securities ${recorded.join(", ")}` : "no security token"}`);
    const entry = this.ctx.record.contracts[securityTokenKey(code)];
    if (!entry) throw new UserError(`no security token with ISIN "${code}" on ${this.ctx.hre.network.name} (deployed: ${recorded.join(", ") || "none"})`);
    return this.leg(entry.address);
  }

  /** A trade by id, refusing an unknown one. */
  async trade(id: string): Promise<{ id: string; terms: TradeTerms; state: number }> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(id)) throw new UserError(`--trade "${id}" is not a trade id (0x and 64 hex digits)`);
    const [t, state] = await this.escrow.getTrade(id);
    if (Number(state) === 0) throw new UserError(`no trade has id ${id} on ${this.ctx.hre.network.name}`);
    return { id, state: Number(state), terms: { seller: t.seller, buyer: t.buyer, asset: t.asset, assetAmount: t.assetAmount, cash: t.cash, cashAmount: t.cashAmount, deadline: t.deadline, ref: t.ref } };
  }

  /** Terms in words, for printing. */
  async describe(terms: TradeTerms): Promise<Record<string, string>> {
    const [asset, cash] = [await this.leg(terms.asset), await this.leg(terms.cash)];
    return {
      seller: terms.seller, buyer: terms.buyer,
      asset: `${asset.fmt(terms.assetAmount)} (${terms.asset})`, cash: `${cash.fmt(terms.cashAmount)} (${terms.cash})`,
      deadline: isoDate(Number(terms.deadline)), ref: terms.ref,
    };
  }

  /** Pre-check that `owner` holds `amount` and allowed the escrow to pull it; approves the shortfall when asked. */
  async ensureFunds(leg: Leg, owner: Signer, amount: bigint, approve: boolean): Promise<void> {
    const wallet = await owner.getAddress();
    const balance = await leg.contract.balanceOf(wallet);
    if (balance < amount) throw new UserError(`${wallet} holds ${leg.fmt(balance)}, needs ${leg.fmt(amount)}; nothing was sent`);
    const allowance = await leg.contract.allowance(wallet, this.address);
    if (allowance >= amount) return;
    if (!approve) {
      throw new UserError(`${wallet} allows the escrow ${leg.fmt(allowance)}, needs ${leg.fmt(amount)}; add --approve to approve it; nothing was sent`);
    }
    await this.ctx.send(`approve the escrow for ${leg.fmt(amount)}`, leg.contract, "approve", [this.address, amount], owner);
  }
}

/**
 * The signer: `--from`, else the seller when it is a configured account, else the buyer when it is one.
 * Refused unless it is one of them.
 */
async function partySigner(ctx: CommandContext, terms: TradeTerms, what: string): Promise<{ signer: Signer; side: "seller" | "buyer" }> {
  let signer = await ctx.signer();
  if (!ctx.args.from) {
    const configured = new Map<string, Signer>();
    for (const candidate of await ctx.accounts()) configured.set(await candidate.getAddress(), candidate);
    signer = configured.get(terms.seller) ?? configured.get(terms.buyer) ?? signer;
  }
  const address = await signer.getAddress();
  if (address === terms.seller) return { signer, side: "seller" };
  if (address === terms.buyer) return { signer, side: "buyer" };
  throw new UserError(`${address} is neither the seller ${terms.seller} nor the buyer ${terms.buyer}; only a party may ${what} (use --from); nothing was sent`);
}

interface TermsArgs extends CommonArgs {
  seller?: string;
  buyer?: string;
  isin?: string;
  units?: string;
  currency: string;
  cashAmount?: string;
  deadline?: string;
  ref?: string;
}

/** Terms from the command line: the security by ISIN, the cash by currency, amounts in their units. */
async function termsFromArgs(args: TermsArgs, ctx: CommandContext, s: Settlement): Promise<TradeTerms> {
  for (const [name, value] of [["seller", args.seller], ["buyer", args.buyer], ["units", args.units], ["cash-amount", args.cashAmount], ["deadline", args.deadline], ["ref", args.ref]]) {
    if (value === undefined) throw new UserError(`--${name} is missing`);
  }
  const asset = await s.security(args.isin);
  const cash = await ctx.depositToken(args.currency);
  const assetAmount = parseAmount(args.units!, asset.decimals, "--units");
  const cashAmount = parseAmount(args.cashAmount!, cash.decimals, "--cash-amount");
  if (assetAmount === 0n) throw new UserError(`--units "${args.units}" is zero`);
  if (cashAmount === 0n) throw new UserError(`--cash-amount "${args.cashAmount}" is zero`);
  let deadline: number;
  try {
    deadline = parseExpiry(args.deadline!, "--deadline");
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  return {
    seller: parseAddress(args.seller!, "--seller"), buyer: parseAddress(args.buyer!, "--buyer"),
    asset: asset.address, assetAmount, cash: await cash.token.getAddress(), cashAmount,
    deadline: BigInt(deadline), ref: toReference(args.ref!, "--ref"),
  };
}

/** Declares a command that takes trade terms on the command line. */
function termsCommand(name: string, description: string) {
  return command(name, description)
    .addOptionalParam("seller", "wallet delivering the security")
    .addOptionalParam("buyer", "wallet paying the cash")
    .addOptionalParam("isin", "ISIN of the security token (default: the only one deployed)")
    .addOptionalParam("units", "units of the security, e.g. 1000")
    .addOptionalParam("currency", "ISO 4217 code of the cash deposit token", "USD")
    .addOptionalParam("cashAmount", "cash in currency units, e.g. 180000.00")
    .addOptionalParam("deadline", "last moment to settle: YYYY-MM-DD (end of day UTC), ISO 8601 or unix seconds")
    .addOptionalParam("ref", "trade reference (text or 0x hex), carried in every event");
}

termsCommand("dvp:propose", "Propose a DvP trade (the signer must be its seller or buyer)")
  .setAction(action<TermsArgs>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const terms = await termsFromArgs(args, ctx, s);
    const { signer } = await partySigner(ctx, terms, "propose it");
    const receipt = await ctx.send(`propose trade ${args.ref}`, s.escrow, "proposeTrade", [terms], signer);
    const event = receipt.logs.map((l) => s.escrow.interface.parseLog(l)).find((e) => e?.name === "TradeProposed");
    const tradeId = event!.args.tradeId as string;
    ctx.report({ tradeId, terms: termsToJson(terms) }, () => out.line(`trade ${tradeId} proposed; each party locks its leg with dvp:fund --trade ${tradeId}`));
  }));

command("dvp:fund", "Lock the signer's leg of a trade; the second leg settles both")
  .addParam("trade", "trade id")
  .addFlag("approve", "approve the escrow for the leg first when its allowance is short")
  .setAction(action<CommonArgs & { trade: string; approve: boolean }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const { id, terms, state } = await s.trade(args.trade);
    const { signer, side } = await partySigner(ctx, terms, "fund it");
    if (!OPEN_STATES.has(state)) throw new UserError(`trade ${id} is ${TRADE_STATES[state]}; nothing was sent`);
    const leg = side === "seller" ? await s.leg(terms.asset) : await s.leg(terms.cash);
    const amount = side === "seller" ? terms.assetAmount : terms.cashAmount;
    await s.ensureFunds(leg, signer, amount, args.approve);
    await ctx.send(`lock ${leg.fmt(amount)} for trade ${id}`, s.escrow, "fund", [id], signer);
    const after = TRADE_STATES[Number((await s.escrow.getTrade(id)).state)];
    ctx.report({ tradeId: id, side, token: leg.address, amount: amount.toString(), amountText: leg.fmt(amount), state: after },
      () => out.line(after === "Settled" ? `trade ${id} settled: both legs delivered` : `trade ${id} is ${after}: waiting for the other leg`));
  }));

for (const [name, method, description] of [
  ["dvp:cancel", "cancel", "Cancel an open trade (seller or buyer); locked legs go back"],
  ["dvp:expire", "expire", "Close an open trade after its deadline (anyone); locked legs go back"],
  ["dvp:close-by-order", "closeByOrder", "Close an open trade under a legal reference (compliance); locked legs go back to their owners"],
] as const) {
  const cmd = command(name, description).addParam("trade", "trade id");
  if (method === "closeByOrder") cmd.addParam("legalRef", "court order or case reference (text or 0x hex)");
  cmd.setAction(action<CommonArgs & { trade: string; legalRef?: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const { id, terms } = await s.trade(args.trade);
    let signer: Signer;
    const callArgs: unknown[] = [id];
    if (method === "cancel") signer = (await partySigner(ctx, terms, "cancel it")).signer;
    else if (method === "expire") signer = await ctx.signer();
    else {
      signer = await ctx.signer(s.escrow, "COMPLIANCE_ROLE", ESCROW_KEY);
      callArgs.push(toReference(args.legalRef!, "--legal-ref"));
    }
    const receipt = await ctx.send(`${method === "closeByOrder" ? "close by order" : method} trade ${id}`, s.escrow, method, callArgs, signer);
    const refunds: { party: string; amount: string; pending: boolean }[] = [];
    for (const log of receipt.logs) {
      const e = s.escrow.interface.parseLog(log);
      if (e?.name === "LegRefunded" || e?.name === "RefundPending") {
        refunds.push({ party: e.args.party, amount: (await s.leg(e.args.token)).fmt(e.args.amount), pending: e.name === "RefundPending" });
      }
    }
    const state = TRADE_STATES[Number((await s.escrow.getTrade(id)).state)];
    ctx.report({ tradeId: id, state, refunds }, () => {
      out.line(`trade ${id} ${{ cancel: "cancelled", expire: "expired", closeByOrder: "closed by order" }[method]}`);
      for (const r of refunds) {
        out.line(r.pending
          ? `  ${r.amount} waits in the escrow for ${r.party}, who cannot receive now (dvp:claim-refund once it can)`
          : `  returned ${r.amount} to ${r.party}`);
      }
    });
  }));
}

command("dvp:claim-refund", "Pay a refund waiting in the escrow to its owner (anyone may submit; it only goes to the owner)")
  .addParam("party", "the owner of the refund")
  .addParam("token", "the token's address")
  .setAction(action<CommonArgs & { party: string; token: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const party = parseAddress(args.party, "--party");
    const leg = await s.leg(parseAddress(args.token, "--token"));
    const amount = await s.escrow.pendingRefund(party, leg.address);
    if (amount === 0n) throw new UserError(`no refund waits for ${party} in ${leg.label}; nothing was sent`);
    await ctx.send(`pay the ${leg.fmt(amount)} refund to ${party}`, s.escrow, "claimRefund", [party, leg.address], await ctx.signer());
    ctx.report({ party, token: leg.address, amount: amount.toString(), amountText: leg.fmt(amount) },
      () => out.line(`refund of ${leg.fmt(amount)} paid to ${party}`));
  }));

command("dvp:show", "Show a trade's terms and state")
  .addParam("trade", "trade id")
  .setAction(action<CommonArgs & { trade: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const { id, terms, state } = await s.trade(args.trade);
    const words = await s.describe(terms);
    ctx.report({ tradeId: id, state: TRADE_STATES[state], terms: termsToJson(terms) }, () => {
      out.line(`trade ${id}: ${TRADE_STATES[state]}`);
      for (const [k, v] of Object.entries(words)) out.line(`  ${k.padEnd(9)}${v}`);
    });
  }));

command("dvp:list", "List open trades (from the escrow's events), or every trade with --all")
  .addFlag("all", "include settled, cancelled and expired trades")
  .setAction(action<CommonArgs & { all: boolean }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const proposed = await s.escrow.queryFilter(s.escrow.filters.TradeProposed(), ctx.record.contracts[ESCROW_KEY].block);
    const rows: Record<string, string>[] = [];
    for (const e of proposed) {
      const { id, terms, state } = await s.trade(e.args.tradeId);
      if (!args.all && !OPEN_STATES.has(state)) continue;
      rows.push({ tradeId: id, state: TRADE_STATES[state], ...(await s.describe(terms)) });
    }
    ctx.report({ trades: rows }, () => {
      if (rows.length === 0) out.line(args.all ? "no trades" : "no open trades");
      else printTable(["trade", "state", "seller", "buyer", "asset", "cash", "deadline"],
        rows.map((r) => [r.tradeId, r.state, r.seller, r.buyer, r.asset.split(" (")[0], r.cash.split(" (")[0], r.deadline]));
    });
  }));

function readSignedFile(file: string, what: string): SignedTradeFile & { parsed: TradeTerms } {
  let json: SignedTradeFile;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8")) as SignedTradeFile;
  } catch (e) {
    throw new UserError(`${what} ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  try {
    return { ...json, parsed: termsFromJson(json.terms ?? {}, `${what} ${file}`) };
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

termsCommand("dvp:sign", "Sign trade terms as EIP-712 typed data into a file (no transaction)")
  .addParam("out", "file to write")
  .addOptionalParam("terms", "sign the terms of another party's signed file instead of --seller/--buyer/...")
  .setAction(action<TermsArgs & { out: string; terms?: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const terms = args.terms ? readSignedFile(args.terms, "--terms").parsed : await termsFromArgs(args, ctx, s);
    const { signer, side } = await partySigner(ctx, terms, "sign it");
    const chainId = BigInt(ctx.record.chainId);
    const signature = await signTrade(signer, s.address, chainId, terms);
    const file: SignedTradeFile = { escrow: s.address, chainId: chainId.toString(), terms: termsToJson(terms), signer: await signer.getAddress(), signature };
    fs.writeFileSync(args.out, `${toJson(file)}\n`);
    const digest = tradeDigest(s.address, chainId, terms);
    ctx.report({ file: args.out, side, digest, ...file }, () => out.line(`signed as ${side} ${file.signer}: ${args.out} (digest ${digest})`));
  }));

command("dvp:withdraw-signature", "Withdraw the signer's signature on the terms of a signed file: they can no longer settle")
  .addParam("file", "a signed file of these terms (either party's)")
  .setAction(action<CommonArgs & { file: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const terms = readSignedFile(args.file, "--file").parsed;
    const { signer, side } = await partySigner(ctx, terms, "withdraw its signature");
    await ctx.send(`withdraw the ${side}'s signature on ${terms.ref}`, s.escrow, "withdrawSignature", [terms], signer);
    const digest = tradeDigest(s.address, BigInt(ctx.record.chainId), terms);
    ctx.report({ digest, side, terms: termsToJson(terms) }, () => out.line(`signature withdrawn by the ${side}: terms ${digest} can no longer settle`));
  }));

command("dvp:settle-signed", "Settle a trade from the seller's and the buyer's signed files in one transaction")
  .addParam("sellerFile", "the seller's signed file")
  .addParam("buyerFile", "the buyer's signed file")
  .setAction(action<CommonArgs & { sellerFile: string; buyerFile: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const seller = readSignedFile(args.sellerFile, "--seller-file");
    const buyer = readSignedFile(args.buyerFile, "--buyer-file");
    const chainId = BigInt(ctx.record.chainId);
    for (const [f, name] of [[seller, args.sellerFile], [buyer, args.buyerFile]] as const) {
      if (f.escrow?.toLowerCase() !== s.address.toLowerCase() || f.chainId !== chainId.toString()) {
        throw new UserError(`${name} was signed for escrow ${f.escrow} on chain ${f.chainId}, not ${s.address} on chain ${chainId}; nothing was sent`);
      }
    }
    if (toJson(termsToJson(seller.parsed)) !== toJson(termsToJson(buyer.parsed))) {
      throw new UserError(`${args.sellerFile} and ${args.buyerFile} sign different terms; nothing was sent`);
    }
    const terms = seller.parsed;
    for (const [f, name, party] of [[seller, args.sellerFile, terms.seller], [buyer, args.buyerFile, terms.buyer]] as const) {
      let recovered: string;
      try {
        recovered = tradeSigner(s.address, chainId, terms, f.signature);
      } catch {
        recovered = "nobody (malformed signature)";
      }
      const contractWallet = (await ctx.hre.ethers.provider.getCode(party)) !== "0x";
      if (!contractWallet && recovered !== party) {
        throw new UserError(`${name} is signed by ${recovered}, not by ${party}; nothing was sent`);
      }
    }
    const signer = await ctx.signer();
    await ctx.send(`settle signed trade ${terms.ref}`, s.escrow, "settleSigned", [terms, seller.signature, buyer.signature], signer);
    const digest = tradeDigest(s.address, chainId, terms);
    const [asset, cash] = [await s.leg(terms.asset), await s.leg(terms.cash)];
    ctx.report({ digest, terms: termsToJson(terms) },
      () => out.line(`settled: ${asset.fmt(terms.assetAmount)} to ${terms.buyer}, ${cash.fmt(terms.cashAmount)} to ${terms.seller} (digest ${digest})`));
  }));
