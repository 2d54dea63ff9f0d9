import { CommonArgs } from "../../lib/cli/context";
import { ensureFunds } from "../../lib/cli/funds";
import { amountsJson, out, printTable } from "../../lib/cli/output";
import {
  isCurrencyLeg, LegMove, pairSignedFiles, readSignedFile, requireEscrowAllowance, Settlement, signedFilePath, TermsArgs,
  termsFromArgs, writeSignedFile,
} from "../../lib/cli/settlement";
import { ESCROW_KEY } from "../../lib/deployment";
import {
  checkSignedPair, netPositions, parseSignedFile, RATE_PRECISION, SignedTradeFile, signedFileText, signedTradeFile, signTrade, termsToJson, TokenTotals,
  tradeHash,
} from "../../lib/dvp";
import { parseAddress, refText, toReference } from "../../lib/format";
import { OPEN_TRADE_STATES, TRADE_STATES } from "../../lib/roles";
import { action, command } from "./command";

const isOpen = (state: string) => OPEN_TRADE_STATES.has(TRADE_STATES.indexOf(state as (typeof TRADE_STATES)[number]));

/** Declares a command that takes trade terms on the command line. */
function termsCommand(name: string, description: string) {
  return command(name, description)
    .addOptionalParam("seller", "wallet delivering the security")
    .addOptionalParam("buyer", "wallet paying the cash")
    .addOptionalParam("isin", "ISIN of the security token (default: the only one deployed)")
    .addOptionalParam("units", "units of the security, e.g. 1000")
    .addOptionalParam("assetCurrency", "payment versus payment: ISO 4217 code of the deposit token the seller pays, instead of a security")
    .addOptionalParam("assetAmount", "payment versus payment: the amount of --asset-currency the seller pays, e.g. 920000.00")
    .addOptionalParam("currency", "ISO 4217 code of the cash deposit token", "USD")
    .addOptionalParam("cashAmount", "cash in currency units, e.g. 180000.00")
    .addOptionalParam("deadline", "last moment to settle: YYYY-MM-DD (end of day UTC), ISO 8601 or unix seconds")
    .addOptionalParam("ref", "trade reference, up to 31 characters (kept on chain as text), carried in every event");
}

/** What a signed-trade file signs (escrow, chain, terms and signer), for comparing two files. */
function fileTerms(file: SignedTradeFile): string {
  return JSON.stringify([String(file.escrow).toLowerCase(), file.chainId, file.terms, String(file.signer).toLowerCase()]);
}

const TRADE_PARAM = "trade id, or the reference it was proposed with (e.g. TRADE-0001)";

termsCommand("dvp:propose", "Propose a DvP trade (the signer must be its seller or buyer)")
  .setAction(action<TermsArgs & CommonArgs>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const terms = await termsFromArgs(args, ctx);
    const { signer } = await s.partySigner(terms, "propose it");
    const receipt = await ctx.send(`propose trade ${refText(terms.ref)}`, s.escrow.connect(signer).proposeTrade, [terms]);
    const event = receipt.logs.map((l) => s.escrow.interface.parseLog(l)).find((e) => e?.name === "TradeProposed");
    const tradeId = event!.args.tradeId as string;
    ctx.report({ tradeId, ...(await s.describe(terms)) },
      () => out.line(`trade ${refText(terms.ref)} proposed (id ${tradeId}); each party locks its leg with dvp:fund --trade ${refText(terms.ref)}`));
  }));

command("dvp:fund", "Lock the signer's leg of a trade; the second leg settles both")
  .addParam("trade", TRADE_PARAM)
  .addFlag("approve", "approve the escrow for the leg first when its allowance is short")
  .setAction(action<CommonArgs & { trade: string; approve: boolean }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const { id, terms, state } = await s.trade(args.trade);
    const { signer, side } = await s.partySigner(terms, "fund it");
    if (!isOpen(state)) throw new Error(`trade ${refText(terms.ref)} (${id}) is ${state}; nothing was sent`);
    const leg = await ctx.leg(side === "seller" ? terms.asset : terms.cash);
    const amount = side === "seller" ? terms.assetAmount : terms.cashAmount;
    await ensureFunds(ctx, leg, signer, s.address, "the escrow", amount, args.approve);
    const caller = side === "seller" ? terms.seller : terms.buyer;
    const counterparty = side === "seller" ? terms.buyer : terms.seller;
    const fundMoves = async (): Promise<LegMove[]> => {
      if (!(await s.isPvP(terms))) return [];
      if (state === "Proposed") return [{ leg, from: caller, to: s.address, amount, what: `${side} ${caller} locks ${leg.fmt(amount)} in the escrow` }];
      const other = await ctx.leg(side === "seller" ? terms.cash : terms.asset);
      const locked = side === "seller" ? terms.cashAmount : terms.assetAmount;
      return [
        { leg, from: caller, to: counterparty, amount, what: `${side} ${caller} pays ${leg.fmt(amount)} to ${counterparty}` },
        { leg: other, from: s.address, to: caller, amount: locked, what: `the escrow pays the locked ${other.fmt(locked)} to ${side} ${caller}` },
      ];
    };
    await s.sendNamingLeg(`lock ${leg.fmt(amount)} for trade ${refText(terms.ref)}`, s.escrow.connect(signer).fund, [id, terms], leg,
      async () => s.refusedMove(await fundMoves()));
    const after = (await s.trade(id)).state;
    ctx.report({ tradeId: id, ref: refText(terms.ref), side, token: leg.address, ...amountsJson(leg.fmt, { amount }), state: after },
      () => out.line(after === "Settled" ? `trade ${refText(terms.ref)} settled: both legs delivered` : `trade ${refText(terms.ref)} is ${after}: waiting for the other leg`));
  }));

for (const [name, method, description] of [
  ["dvp:cancel", "cancel", "Cancel an open trade (seller or buyer); locked legs go back"],
  ["dvp:expire", "expire", "Close an open trade after its deadline (anyone); locked legs go back"],
  ["dvp:close-by-order", "closeByOrder", "Close an open trade under a legal reference (compliance); locked legs go back to their owners"],
] as const) {
  const cmd = command(name, description).addParam("trade", TRADE_PARAM);
  if (method === "closeByOrder") cmd.addParam("legalRef", "court order or case reference (text or 0x hex)");
  cmd.setAction(action<CommonArgs & { trade: string; legalRef?: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const { id, terms } = await s.trade(args.trade);
    const label = `${method === "closeByOrder" ? "close by order" : method} trade ${refText(terms.ref)}`;
    let receipt;
    if (method === "cancel") receipt = await ctx.send(label, s.escrow.connect((await s.partySigner(terms, "cancel it")).signer).cancel, [id, terms]);
    else if (method === "expire") receipt = await ctx.send(label, s.escrow.connect(await ctx.signer()).expire, [id, terms]);
    else {
      const signer = await ctx.signer(s.escrow, "COMPLIANCE_ROLE", ESCROW_KEY);
      receipt = await ctx.send(`${label} under "${args.legalRef}"`, s.escrow.connect(signer).closeByOrder, [id, terms, toReference(args.legalRef!, "--legal-ref")], undefined, undefined, [{ reference: args.legalRef! }]);
    }
    const refunds: Record<string, string | boolean>[] = [];
    for (const log of receipt.logs) {
      const e = s.escrow.interface.parseLog(log);
      if (e?.name === "LegRefunded" || e?.name === "RefundPending") {
        const leg = await ctx.leg(e.args.token as string);
        refunds.push({ party: e.args.party as string, token: leg.address, ...amountsJson(leg.fmt, { amount: e.args.amount as bigint }), pending: e.name === "RefundPending" });
      }
    }
    const state = (await s.trade(id)).state;
    ctx.report({ tradeId: id, ref: refText(terms.ref), state, refunds, legalRef: args.legalRef }, () => {
      out.line(`trade ${refText(terms.ref)} ${{ cancel: "cancelled", expire: "expired", closeByOrder: `closed by order "${args.legalRef}"` }[method]}`);
      for (const r of refunds) {
        out.line(r.pending
          ? `  ${r.amountText} waits in the escrow for ${r.party}, who cannot receive now (dvp:claim-refund once it can)`
          : `  returned ${r.amountText} to ${r.party}`);
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
    const leg = await ctx.leg(parseAddress(args.token, "--token"));
    const amount = await s.escrow.pendingRefund(party, leg.address);
    if (amount === 0n) throw new Error(`no refund waits for ${party} in ${leg.label}; nothing was sent`);
    await ctx.send(`pay the ${leg.fmt(amount)} refund to ${party}`, s.escrow.connect(await ctx.signer()).claimRefund, [party, leg.address], leg);
    ctx.report({ party, token: leg.address, ...amountsJson(leg.fmt, { amount }) },
      () => out.line(`refund of ${leg.fmt(amount)} paid to ${party}`));
  }));

command("dvp:show", "Show a trade's terms and state")
  .addParam("trade", TRADE_PARAM)
  .setAction(action<CommonArgs & { trade: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const { id, terms, state } = await s.trade(args.trade);
    const words = await s.describe(terms);
    ctx.report({ tradeId: id, state, ...words }, () => {
      out.line(`trade ${words.ref} (id ${id}): ${state}`);
      for (const [k, field] of [["seller", "seller"], ["buyer", "buyer"], ["asset", "assetAmountText"], ["cash", "cashAmountText"], ["deadline", "deadline"]]) {
        out.line(`  ${k.padEnd(9)}${words[field]}`);
      }
      if (words.rateText) out.line(`  ${"rate".padEnd(9)}${words.rateText} (${words.ratePrecision})`);
    });
  }));

command("dvp:list", "List open trades, or with --all every trade, those settled by signature included (from the escrow's events)")
  .addFlag("all", "include settled, cancelled and expired trades")
  .setAction(action<CommonArgs & { all: boolean }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const rows: Record<string, string>[] = [];
    for (const t of await s.trades()) {
      if (!args.all && !isOpen(t.state)) continue;
      rows.push({ [t.flow === "signed" ? "tradeHash" : "tradeId"]: t.id, flow: t.flow, state: t.state, ...(await s.describe(t.terms)) });
    }
    ctx.report({ trades: rows }, () => {
      if (rows.length === 0) out.line(args.all ? "no trades" : "no open trades");
      else if (!rows.some((r) => r.rateText)) {
        printTable(["ref", "state", "flow", "seller", "buyer", "asset", "cash", "deadline", "id / trade hash"],
          rows.map((r) => [r.ref, r.state, r.flow, r.seller, r.buyer, r.assetAmountText, r.cashAmountText, r.deadline, r.tradeId ?? r.tradeHash]));
      } else {
        // Payment versus payment among them: the rate derived from each such trade's two amounts.
        printTable(["ref", "state", "flow", "seller", "buyer", "asset", "cash", "rate", "deadline", "id / trade hash"],
          rows.map((r) => [r.ref, r.state, r.flow, r.seller, r.buyer, r.assetAmountText, r.cashAmountText, r.rateText ?? "", r.deadline, r.tradeId ?? r.tradeHash]));
        out.line(`rate: ${RATE_PRECISION}`);
      }
    });
  }));

termsCommand("dvp:sign", "Sign trade terms as EIP-712 typed data into a file (no transaction)")
  .addOptionalParam("out", "file to write (default: signed/<ref>.<seller|buyer>.json, ignored by git)")
  .addOptionalParam("terms", "sign the terms of another party's signed file instead of --seller/--buyer/...")
  .addFlag("force", "replace an existing file of other terms")
  .setAction(action<TermsArgs & CommonArgs & { out?: string; terms?: string; force: boolean }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const terms = args.terms ? readSignedFile(args.terms, "--terms").parsed : await termsFromArgs(args, ctx);
    const { signer, side } = await s.partySigner(terms, "sign it");
    const words = await s.describe(terms);
    const rate = words.rateText ? `, rate ${words.rateText} (${words.ratePrecision})` : "";
    if (!ctx.args.json) out.line(`signing as ${side}: ${words.assetAmountText} from ${terms.seller} to ${terms.buyer} for ${words.cashAmountText}${rate}, deadline ${words.deadline}, ref ${words.ref}`);
    const chainId = BigInt(ctx.record.chainId);
    const signature = await signTrade(signer, s.address, chainId, terms);
    const file = signedTradeFile(s.address, chainId, terms, await signer.getAddress(), signature);
    const outFile = args.out ?? signedFilePath(terms, side);
    const written = writeSignedFile(outFile, signedFileText(file),
      (existing) => {
        const found = parseSignedFile(existing, outFile);
        return fileTerms({ ...found, terms: termsToJson(found.parsed) }) === fileTerms(file);
      }, args.force);
    const hash = tradeHash(s.address, chainId, terms);
    ctx.report({ file: outFile, written, side, tradeHash: hash, ...words, ...file }, () => out.line(written
      ? `signed as ${side} ${file.signer}: ${outFile} (trade hash ${hash})`
      : `${outFile} already exists and is identical (the ${side}'s signature of these terms, trade hash ${hash}); nothing was written`));
  }));

command("dvp:withdraw-signature", "Withdraw the signer's signature on the terms of a signed file: they can no longer settle")
  .addParam("file", "a signed file of these terms (either party's)")
  .setAction(action<CommonArgs & { file: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const terms = readSignedFile(args.file, "--file").parsed;
    const { signer, side } = await s.partySigner(terms, "withdraw its signature");
    await ctx.send(`withdraw the ${side}'s signature on ${refText(terms.ref)}`, s.escrow.connect(signer).withdrawSignature, [terms]);
    const hash = tradeHash(s.address, BigInt(ctx.record.chainId), terms);
    ctx.report({ tradeHash: hash, side, ...(await s.describe(terms)) }, () => out.line(`signature withdrawn by the ${side}: terms ${hash} can no longer settle`));
  }));

command("dvp:settle-signed", "Settle a trade from the seller's and the buyer's signed files in one transaction")
  .addParam("sellerFile", "the seller's signed file")
  .addParam("buyerFile", "the buyer's signed file")
  .setAction(action<CommonArgs & { sellerFile: string; buyerFile: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const seller = readSignedFile(args.sellerFile, "--seller-file");
    const buyer = readSignedFile(args.buyerFile, "--buyer-file");
    const chainId = BigInt(ctx.record.chainId);
    const terms = await checkSignedPair({ file: seller, name: args.sellerFile }, { file: buyer, name: args.buyerFile }, s.address, chainId,
      async (party) => (await ctx.hre.ethers.provider.getCode(party)) !== "0x");
    const [asset, cash] = [await ctx.leg(terms.asset), await ctx.leg(terms.cash)];
    const hash = tradeHash(s.address, chainId, terms);
    const closed = (await s.escrow.isSignedTradeSettled(terms)) || (await s.escrow.isTermsWithdrawn(hash));
    if (!closed) {
      await requireEscrowAllowance(asset, terms.seller, s.address, terms.assetAmount, !isCurrencyLeg(asset));
      await requireEscrowAllowance(cash, terms.buyer, s.address, terms.cashAmount, false);
    }
    const signer = await ctx.signer();
    await s.sendNamingLeg(`settle signed trade ${refText(terms.ref)}`, s.escrow.connect(signer).settleSigned, [terms, seller.signature, buyer.signature], cash,
      async () => ((await s.isPvP(terms)) ? s.refusedMove(await s.tradeMoves(terms)) : undefined));
    const words = await s.describe(terms);
    const rate = words.rateText ? ` at ${words.rateText}` : "";
    ctx.report({ tradeHash: hash, ...words },
      () => out.line(`settled ${refText(terms.ref)}: ${asset.fmt(terms.assetAmount)} to ${terms.buyer}, ${cash.fmt(terms.cashAmount)} to ${terms.seller}${rate} (trade hash ${hash})`));
  }));

command("dvp:settle-batch", "Settle signed trades in one transaction, each party delivering or receiving only its net per token")
  .addParam("files", "the signed files (dvp:sign) of every trade's seller and buyer, comma-separated: a.json,b.json,...")
  .setAction(action<CommonArgs & { files: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const chainId = BigInt(ctx.record.chainId);
    const names = args.files.split(",").map((f) => f.trim()).filter((f) => f !== "");
    if (names.length === 0) throw new Error("--files names no file");
    const trades = await pairSignedFiles(ctx, s.address, chainId, names);
    const refs = trades.map((t) => `ref ${refText(t.terms.ref)}`);
    // Each party's net per token: what it must hold and allow the escrow, all it will move.
    const positions: Record<string, string>[] = [];
    for (const [token, perParty] of netPositions(trades.map((t) => t.terms))) {
      const leg = await ctx.leg(token);
      for (const [party, net] of perParty) {
        if (net < 0n) await requireEscrowAllowance(leg, party, s.address, -net, !leg.key?.startsWith("DepositToken"));
        positions.push({ token, label: leg.label, party, ...amountsJson(leg.fmt, { net }), netText: `${net > 0n ? "+" : ""}${leg.fmt(net)}` });
      }
    }
    if (!ctx.args.json) {
      out.line(`${trades.length} trades:`);
      trades.forEach((t, i) => out.line(`  trade ${i} (ref ${refText(t.terms.ref)}): ${t.sellerFile}, ${t.buyerFile}`));
      out.line("net position of each party per token (+ receives, - pays):");
      printTable(["token", "party", "net"], positions.map((p) => [p.label, p.party, p.netText]));
    }
    const signer = await ctx.signer();
    const nets = netPositions(trades.map((t) => t.terms));
    let pvp = false;
    for (const t of trades) pvp ||= await s.isPvP(t.terms);
    const receipt = await s.sendNamingLeg(`settle a batch of ${trades.length} signed trades`, s.escrow.connect(signer).settleSignedBatch,
      [trades.map((t) => ({ terms: t.terms, sellerSig: t.sellerSig, buyerSig: t.buyerSig }))], undefined,
      async () => (pvp ? s.refusedNets(nets) : undefined), refs);
    const event = receipt.logs.map((l) => s.escrow.interface.parseLog(l)).find((e) => e?.name === "SignedTradeBatchSettled");
    const totals: Record<string, string>[] = [];
    for (const x of event!.args.totals as TokenTotals[]) {
      const leg = await ctx.leg(x.token);
      totals.push({ token: x.token, label: leg.label, ...amountsJson(leg.fmt, { gross: x.gross, net: x.net }) });
    }
    const gas = receipt.gasUsed;
    ctx.report({ trades: trades.map((t) => ({ ref: refText(t.terms.ref), tradeHash: t.tradeHash, sellerFile: t.sellerFile, buyerFile: t.buyerFile })), positions, totals, gasUsed: gas.toString() }, () => {
      out.line(`settled ${trades.length} trades in one transaction: gas ${gas} (${gas / BigInt(trades.length)} per trade)`);
      for (const t of totals) out.line(`  ${t.label}: gross ${t.grossText}, net ${t.netText} moved`);
    });
  }));
