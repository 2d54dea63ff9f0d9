import fs from "fs";
import path from "path";
import { ethers } from "ethers";
import type { CommandContext, CommonArgs, Leg } from "../../lib/cli/context";
import { approve } from "../../lib/cli/funds";
import { openFxQuotes, readQuoteFile } from "../../lib/cli/fx";
import { amountsJson, out } from "../../lib/cli/output";
import { signedDir, writeSignedFile } from "../../lib/cli/settlement";
import { FX_QUOTES_KEY } from "../../lib/deployment";
import { RATE_PRECISION } from "../../lib/dvp";
import { walletState } from "../../lib/errors";
import { Failure } from "../../lib/failure";
import {
  checkQuoteFile, checkQuotePayment, FxQuote, parseQuoteFile, quoteFileName, quoteHash, quoteRate, quoteRefusalInWords, quoteState, quoteValidUntil, signedQuoteFile, signedQuoteFileText,
  signQuote, SignedQuoteFile,
} from "../../lib/fx";
import { isoDate, parseAddress, parseAmount, toReference } from "../../lib/format";
import { paymentNonce } from "../../lib/payments";
import { action, command } from "./command";

const NONCE_STATES = ["unused", "used", "cancelled"];

/** A quote's FxQuotes, chain and legs, opened from a signed-quote file and checked against the deployment. */
async function openQuote(ctx: CommandContext, fileName: string, nothing: string) {
  const fx = await openFxQuotes(ctx);
  const fxAddress = await fx.getAddress();
  const chainId = BigInt(ctx.record.chainId);
  const file = readQuoteFile(fileName, "--quote");
  const q = file.parsed;
  const [sell, buy] = [await ctx.leg(q.sellToken), await ctx.leg(q.buyToken)];
  await checkQuoteFile(file, fileName, fxAddress, chainId, { sell, buy }, async (a) => (await ctx.hre.ethers.provider.getCode(a)) !== "0x", nothing);
  return { fx, fxAddress, chainId, file, q, sell, buy, hash: quoteHash(fxAddress, chainId, q) };
}

/** A quote in words for --json and the text output: both legs as integer and text, the rate, the validity. */
function quoteJson(q: FxQuote, sell: Leg, buy: Leg): Record<string, string> {
  const { rate, text } = quoteRate(q, sell, buy);
  return {
    provider: q.provider, payer: q.payer === ethers.ZeroAddress ? "any" : q.payer,
    sellCurrency: sell.label, sellToken: q.sellToken, ...amountsJson(sell.fmt, { sellAmount: q.sellAmount }),
    buyCurrency: buy.label, buyToken: q.buyToken, ...amountsJson(buy.fmt, { buyAmount: q.buyAmount }),
    rate, rateText: text, ratePrecision: RATE_PRECISION, validUntil: isoDate(Number(q.validUntil)), nonce: q.nonce,
  };
}

/** The terms a signed-quote file carries, for comparing two files. */
function fileTerms(file: SignedQuoteFile): string {
  return JSON.stringify([String(file.fxQuotes).toLowerCase(), file.chainId, file.quote]);
}

/** The sell leg's funding: refuses a provider short of balance; with `approveShortfall` raises a short allowance by the sell amount, else refuses naming the command. */
async function fundSellLeg(ctx: CommandContext, fx: string, sell: Leg, provider: Awaited<ReturnType<CommandContext["signer"]>>, amount: bigint, approveShortfall: boolean, check: () => void): Promise<void> {
  const address = await provider.getAddress();
  const balance = await sell.contract.balanceOf(address);
  if (balance < amount) throw new Error(`${address} holds ${sell.fmt(balance)}, needs ${sell.fmt(amount)} for its ${sell.label} sell leg; nothing was signed`);
  const allowance = await sell.contract.allowance(address, fx);
  if (allowance >= amount) return;
  if (!approveShortfall) {
    throw new Error(`${address} allows ${FX_QUOTES_KEY} ${sell.fmt(allowance)}, needs ${sell.fmt(amount)} for its ${sell.label} sell leg: add --approve, or run token:approve --from ${address} --currency ${sell.label} --spender fxquotes --amount ${sell.fmt(allowance + amount).split(" ")[0].replace(/,/g, "")}; nothing was signed`);
  }
  check();
  // An allowance covers every open quote of the provider: this one is added to what is allowed already.
  await approve(ctx, sell, provider, fx, FX_QUOTES_KEY, allowance + amount);
}

command("fx:quote", "A liquidity provider (--from) signs a firm FX quote into a file: it sells --sell-amount for --buy-amount (no transaction unless --approve)")
  .addParam("sellCurrency", "ISO 4217 code of the currency the provider sells (the beneficiary receives it)")
  .addParam("sellAmount", "amount the provider sells, in its currency units, e.g. 920000.00")
  .addParam("buyCurrency", "ISO 4217 code of the currency the provider buys (the payer pays it)")
  .addParam("buyAmount", "amount the payer pays, in its currency units, e.g. 1000000.00")
  .addOptionalParam("payer", "the only payer who may use the quote (default: any allowed payer)")
  .addOptionalParam("validFor", "how long the quote may be used from now: 90s, 10m, 2h, 1d (default 10m)")
  .addOptionalParam("validUntil", "last moment the quote may be used: YYYY-MM-DD (the end of that day UTC), ISO 8601 or unix seconds")
  .addOptionalParam("nonce", "the provider's nonce for this quote, decimal or 0x hex (default: random)")
  .addOptionalParam("out", "file to write (default: signed/quote.<provider>.<nonce>.json, ignored by git)")
  .addFlag("force", "replace an existing file of another quote")
  .addFlag("approve", "raise the provider's allowance to FxQuotes by the sell amount when it is short")
  .setAction(action<CommonArgs & {
    sellCurrency: string; sellAmount: string; buyCurrency: string; buyAmount: string; payer?: string; validFor?: string; validUntil?: string;
    nonce?: string; out?: string; force: boolean; approve: boolean;
  }>(async (args, ctx) => {
    const fx = await openFxQuotes(ctx);
    const fxAddress = await fx.getAddress();
    const [sell, buy] = [await ctx.depositToken(args.sellCurrency), await ctx.depositToken(args.buyCurrency)];
    if (sell.address === buy.address) throw new Error(`--sell-currency and --buy-currency are both ${sell.label}: a quote exchanges two different currencies`);
    const sellAmount = parseAmount(args.sellAmount, sell.decimals, "--sell-amount");
    const buyAmount = parseAmount(args.buyAmount, buy.decimals, "--buy-amount");
    if (sellAmount === 0n) throw new Error(`--sell-amount "${args.sellAmount}" is zero`);
    if (buyAmount === 0n) throw new Error(`--buy-amount "${args.buyAmount}" is zero`);
    const payer = args.payer === undefined ? ethers.ZeroAddress : parseAddress(args.payer, "--payer");
    const now = (await ctx.hre.ethers.provider.getBlock("latest"))!.timestamp;
    const validUntil = quoteValidUntil(args.validFor, args.validUntil, now);
    const signer = await ctx.signer();
    const provider = await signer.getAddress();
    if (!(await ctx.registry.isAllowed(provider))) {
      throw new Failure("REFUSED", `provider ${provider} is not allowed (${await walletState(ctx.registry, provider)}): FxQuotes would refuse its quotes; nothing was signed`);
    }
    for (const leg of [sell, buy]) {
      if (!(await fx.isListed(leg.address))) throw new Failure("REFUSED", `${leg.label} (${leg.address}) is not listed in ${FX_QUOTES_KEY}; nothing was signed`);
    }
    const nonce = paymentNonce(args.nonce);
    const state = Number(await fx.nonceState(provider, nonce));
    if (state !== 0) throw new Failure("REFUSED", `nonce ${nonce} of provider ${provider} is ${NONCE_STATES[state]}: a nonce serves one quote; nothing was signed`);
    const q: FxQuote = { provider, payer, sellToken: sell.address, sellAmount, buyToken: buy.address, buyAmount, validUntil, nonce };
    const chainId = BigInt(ctx.record.chainId);
    const signature = await signQuote(signer, fxAddress, chainId, q);
    const file = signedQuoteFile(fxAddress, chainId, q, sell, buy, provider, signature);
    const outFile = args.out ?? path.join(signedDir(), quoteFileName(q));
    const same = (existing: string) => {
      try {
        return fileTerms(parseQuoteFile(existing, outFile)) === fileTerms(file);
      } catch {
        return false;
      }
    };
    // Refused before anything is sent: an existing file of another quote.
    const refuseExisting = () => {
      if (!args.force && fs.existsSync(outFile) && !same(fs.readFileSync(outFile, "utf8"))) {
        throw new Error(`${outFile} already exists with other terms; nothing was written (choose another --out, or --force to replace it)`);
      }
    };
    refuseExisting();
    await fundSellLeg(ctx, fxAddress, sell, signer, sellAmount, args.approve, refuseExisting);
    const written = writeSignedFile(outFile, signedQuoteFileText(file), same, args.force);
    const hash = quoteHash(fxAddress, chainId, q);
    const words = quoteJson(q, sell, buy);
    ctx.report({ file: outFile, written, quoteHash: hash, ...words, fxQuotes: fxAddress, chainId: chainId.toString(), signature }, () => {
      out.line(`rate ${words.rateText} (${RATE_PRECISION})`);
      out.line(written
        ? `quote signed by ${provider}: sells ${sell.fmt(sellAmount)} for ${buy.fmt(buyAmount)} to ${payer === ethers.ZeroAddress ? "any payer" : `payer ${payer}`}, valid until ${words.validUntil}: ${outFile} (quote hash ${hash})`
        : `${outFile} already exists and is identical (the same quote of ${provider}, quote hash ${hash}); nothing was written`);
    });
  }));

command("fx:pay", "Pay a beneficiary with a provider's signed quote: the payer (--from) pays the buy leg to the provider, the provider the sell leg to --to, in one transaction")
  .addParam("quote", "the signed-quote file (fx:quote)")
  .addParam("to", "the beneficiary, who receives the sell leg")
  .addParam("ref", "payment reference (text or 0x hex), emitted with the payment")
  .addFlag("approve", "approve FxQuotes for the buy leg when the payer's allowance is short")
  .setAction(action<CommonArgs & { quote: string; to: string; ref: string; approve: boolean }>(async (args, ctx) => {
    const { fx, fxAddress, file, q, sell, buy, hash } = await openQuote(ctx, args.quote, "nothing was sent");
    const beneficiary = parseAddress(args.to, "--to");
    const ref = toReference(args.ref, "--ref");
    const signer = await ctx.signer();
    const payer = await signer.getAddress();
    const words = quoteJson(q, sell, buy);
    if (!ctx.args.json) {
      out.line(`paying ${buy.fmt(q.buyAmount)} to provider ${q.provider}; ${beneficiary} receives ${sell.fmt(q.sellAmount)}, rate ${words.rateText} (${RATE_PRECISION}), quote valid until ${words.validUntil}`);
    }
    const label = `pay ${args.ref} with quote ${args.quote}`;
    const refuse = async (data: string) => {
      throw new Failure("REFUSED", `${label} refused: ${await quoteRefusalInWords(fx.interface, data, q, { sell, buy }, payer, beneficiary, (d, leg) => ctx.explain({ data: d }, leg))}; nothing was sent`, ctx.reason({ data }));
    };
    const legs = { sell: sell.contract, buy: buy.contract };
    const check = await checkQuotePayment(fx, fxAddress, q, file.signature, payer, beneficiary, legs);
    let refusal = check.refusal;
    if (args.approve && check.afterApproval !== undefined) {
      if (check.afterApproval !== "0x") await refuse(check.afterApproval);
      await approve(ctx, buy, signer, fxAddress, FX_QUOTES_KEY, q.buyAmount);
      refusal = (await checkQuotePayment(fx, fxAddress, q, file.signature, payer, beneficiary, legs)).refusal;
    }
    if (refusal !== "0x") await refuse(refusal);
    await ctx.send(label, fx.connect(signer).payWithQuote, [q, file.signature, beneficiary, ref], undefined, undefined, [{ reference: args.ref }]);
    ctx.report({ quoteHash: hash, ...words, quotePayer: words.payer, payer, beneficiary, ref, refText: args.ref }, () => out.line(
      `paid with quote ${args.quote}: ${buy.fmt(q.buyAmount)} from ${payer} to provider ${q.provider}, ${sell.fmt(q.sellAmount)} from the provider to ${beneficiary} at ${words.rateText}, ref "${args.ref}" (quote hash ${hash})`));
  }));

command("fx:cancel", "The provider (--from) cancels one of its quotes (by its file or its nonce): it can no longer be used")
  .addOptionalParam("quote", "the signed-quote file (fx:quote)")
  .addOptionalParam("nonce", "the nonce of the quote (0x and 64 hex digits, or decimal), instead of --quote")
  .setAction(action<CommonArgs & { quote?: string; nonce?: string }>(async (args, ctx) => {
    if ((args.quote === undefined) === (args.nonce === undefined)) throw new Error("give --quote <file> or --nonce <nonce> (one of them)");
    const fx = await openFxQuotes(ctx);
    const signer = await ctx.signer();
    const address = await signer.getAddress();
    let nonce: string;
    let what: string;
    if (args.quote !== undefined) {
      const { q } = await openQuote(ctx, args.quote, "nothing was sent");
      if (q.provider !== address) {
        throw new Error(`${address} is not the provider ${q.provider} of ${args.quote}: only the provider may cancel its quote (use --from); nothing was sent`);
      }
      [nonce, what] = [q.nonce, `quote ${args.quote}`];
    } else {
      nonce = paymentNonce(args.nonce);
      what = `nonce ${nonce}`;
    }
    await ctx.send(`cancel ${what} of provider ${address}`, fx.connect(signer).cancelQuote, [nonce]);
    ctx.report({ provider: address, nonce, state: "cancelled" },
      () => out.line(`cancelled nonce ${nonce} of provider ${address}: no quote it signed with it can be used`));
  }));

command("fx:show", "Show a signed quote: its terms, the rate and its state on chain (usable, used, cancelled, expired)")
  .addParam("quote", "the signed-quote file (fx:quote)")
  .setAction(action<CommonArgs & { quote: string }>(async (args, ctx) => {
    const { fx, q, sell, buy, hash } = await openQuote(ctx, args.quote, "it is not shown");
    const now = (await ctx.hre.ethers.provider.getBlock("latest"))!.timestamp;
    const state = quoteState(Number(await fx.nonceState(q.provider, q.nonce)), q.validUntil, now);
    const words = quoteJson(q, sell, buy);
    ctx.report({ file: args.quote, quoteHash: hash, state, ...words }, () => {
      out.line(`quote ${args.quote} (quote hash ${hash}): ${state}`);
      for (const [k, v] of [
        ["provider", q.provider], ["payer", words.payer], ["sells", words.sellAmountText], ["for", words.buyAmountText],
        ["rate", `${words.rateText} (${RATE_PRECISION})`], ["valid", `until ${words.validUntil}`], ["nonce", q.nonce],
      ]) out.line(`  ${k.padEnd(9)}${v}`);
    });
  }));
