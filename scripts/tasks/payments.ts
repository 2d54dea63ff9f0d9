import path from "path";
import type { Signer } from "ethers";
import type { DepositToken } from "../../typechain-types";
import { CommandContext, CommonArgs, Leg } from "../../lib/cli/context";
import { amountsJson, out, printTable } from "../../lib/cli/output";
import { signedDir, writeSignedFile } from "../../lib/cli/settlement";
import { readTextFile } from "../../lib/files";
import {
  addInformationParams, generatedUetrLine, InformationArgs, informationFromArgs, INFORMATION_OPTION_NAMES, referenceJson, referenceText, transactionInformation,
} from "../../lib/cli/information";
import { parseAddress } from "../../lib/format";
import { informationReference, informationText, PaymentInformation } from "../../lib/payment-info";
import {
  PAYMENT_TYPES, SignedPayment, SignedPaymentFile, grossAndNet, liquiditySavedPercent, netPositions, paymentFileName, paymentTermsFromText, readSignedPaymentFile,
  refuseRepeatedNonces, signedPaymentFile, signedPaymentFileText, signedPaymentInformation, signPayment, tokenDomain,
} from "../../lib/payments";
import { ethers } from "ethers";
import { action, command } from "./command";

interface PaymentArgs extends CommonArgs { currency: string }

export function paymentCommand(name: string, description: string) {
  return command(name, description).addOptionalParam("currency", "ISO 4217 code of the deposit token", "USD");
}

/** The deposit token and its EIP-712 domain as the token itself reports it (ERC-5267). */
export async function openToken(ctx: CommandContext, currency: string) {
  const t = await ctx.depositToken(currency);
  const reported = await t.contract.eip712Domain();
  const domain = tokenDomain(reported.name, reported.verifyingContract, reported.chainId);
  return { t, domain };
}

/** Reads a signed-payment file and checks it against the deployment: chain, token, and who signed it. */
export function readPaymentFile(file: string, what: string, token: Leg<DepositToken>, chainId: string, domain: ReturnType<typeof tokenDomain>): SignedPayment {
  return readSignedPaymentFile(readTextFile(file, `${what} ${file}`), file, what, { token: token.address, label: token.label, chainId, domain });
}

/** A signed-payment file with the information it carries, checked against its signed reference (files signed without any carry none). */
function readPaymentWithInformation(file: string, what: string, token: Leg<DepositToken>, chainId: string, domain: ReturnType<typeof tokenDomain>): { p: SignedPayment; info?: PaymentInformation } {
  const text = readTextFile(file, `${what} ${file}`);
  const p = readSignedPaymentFile(text, file, what, { token: token.address, label: token.label, chainId, domain });
  return { p, info: signedPaymentInformation(text, file, p) };
}

/**
 * Who submits a signed payment: `--from`, else the first configured account the token lets submit
 * (allowed in the registry and not frozen on the token, as the token checks a submitter); refuses naming
 * `--from` when there is none.
 */
async function submitter(ctx: CommandContext, t: Leg<DepositToken>): Promise<Signer> {
  if (ctx.args.from !== undefined && ctx.args.from !== "") return ctx.signer();
  for (const candidate of await ctx.accounts()) {
    const address = await candidate.getAddress();
    if ((await ctx.registry.isAllowed(address)) && !(await t.contract.isFrozen(address))) return candidate;
  }
  throw new Error(`no configured account of network "${ctx.network}" is an allowed participant not frozen on ${t.label}, as a submitter must be: give one with --from; nothing was sent`);
}

/** The terms a signed-payment file carries (its token, chain and payment without the signature), for comparing two files. */
function fileTerms(file: SignedPaymentFile): string {
  const fields = PAYMENT_TYPES.TransferWithReferenceAuthorization.map((f) => String(file.payment?.[f.name as keyof SignedPayment]));
  return JSON.stringify([String(file.token).toLowerCase(), file.chainId, ...fields]);
}

addInformationParams(paymentCommand("payment:sign", "Sign a payment with a reference as EIP-3009 typed data into a file (no transaction); anyone allowed may settle it")
  .addParam("to", "payee wallet")
  .addParam("amount", "amount in currency units, e.g. 1250.00")
  .addOptionalParam("ref", "payment reference (text or 0x hex), signed and emitted with the payment; or the ISO 20022 options")
  .addOptionalParam("validAfter", "valid only after this moment: YYYY-MM-DD (the start of that day UTC), ISO 8601 or unix seconds (default: now)")
  .addOptionalParam("validBefore", "valid only before this moment: YYYY-MM-DD (the end of that day UTC), ISO 8601 or unix seconds (default: 24 hours after it becomes valid)")
  .addOptionalParam("nonce", "the payer's nonce, decimal or 0x hex (default: random; numbered nonces from a multiple of 256 make batches cheaper)")
  .addOptionalParam("out", "file to write (default: signed/payment.<payer>.<nonce>.json, ignored by git)")
  .addFlag("force", "replace an existing file of other terms"))
  .setAction(action<PaymentArgs & InformationArgs & { to: string; amount: string; ref?: string; validAfter?: string; validBefore?: string; nonce?: string; out?: string; force: boolean }>(async (args, ctx) => {
    const given = informationFromArgs(args);
    if (!given) {
      const iso = [INFORMATION_OPTION_NAMES.uetr, INFORMATION_OPTION_NAMES.endToEndId, INFORMATION_OPTION_NAMES.remittance, INFORMATION_OPTION_NAMES.creditorReference];
      throw new Error(`--ref or ISO 20022 identifiers (${iso.join(", ")}) are needed: a signed payment carries a reference`);
    }
    const { t, domain } = await openToken(ctx, args.currency);
    const signer = await ctx.signer();
    const from = await signer.getAddress();
    const now = (await ctx.hre.ethers.provider.getBlock("latest"))!.timestamp;
    const terms = paymentTermsFromText({ ...args, ref: informationReference(given.info) }, from, t.decimals, now);
    if (await t.contract.authorizationState(from, terms.nonce)) throw new Error(`nonce ${terms.nonce} of ${from} is already used; nothing was signed`);
    const uetrLine = generatedUetrLine(given);
    if (uetrLine && !ctx.args.json) out.line(uetrLine);
    const payment = await signPayment(signer, domain, terms);
    const file = signedPaymentFile(t.address, ctx.record.chainId, payment, given.info);
    const outFile = args.out ?? path.join(signedDir(), paymentFileName(payment));
    const written = writeSignedFile(outFile, signedPaymentFileText(file),
      (existing) => fileTerms(JSON.parse(existing) as SignedPaymentFile) === fileTerms(file), args.force);
    const words = informationText(given.info) || payment.ref;
    ctx.report({ file: outFile, written, ...file, ...amountsJson(t.fmt, { amount: payment.value }), refText: args.ref, ...referenceJson(payment.ref, given.info) },
      () => out.line(written
        ? `signed by ${from}: pay ${t.fmt(payment.value)} to ${payment.to} ref ${words}, valid until ${new Date(Number(payment.validBefore) * 1000).toISOString()}: ${outFile}`
        : `${outFile} already exists and is identical (the same payment of ${from}); nothing was written`));
  }));

paymentCommand("payment:settle", "Settle one signed payment from its file (anyone allowed and not frozen may submit it; default: the first such configured account)")
  .addParam("file", "the payer's signed-payment file")
  .setAction(action<PaymentArgs & { file: string }>(async (args, ctx) => {
    const { t, domain } = await openToken(ctx, args.currency);
    const { p, info } = readPaymentWithInformation(args.file, "--file", t, ctx.record.chainId.toString(), domain);
    const signer = await submitter(ctx, t);
    const receipt = await ctx.send(`pay ${t.fmt(p.value)} from ${p.from} to ${p.to} (signed payment ${args.file})`,
      t.contract.connect(signer).transferWithReferenceAuthorization, [p], t, undefined, [info]);
    const onChain = (await transactionInformation(ctx.hre.ethers.provider, receipt.hash, [p.ref])).get(p.ref.toLowerCase());
    const [payer, payee] = ctx.args.json ? [p.from, p.to] : await Promise.all([ctx.walletText(p.from), ctx.walletText(p.to)]);
    ctx.report({ from: p.from, to: p.to, ...amountsJson(t.fmt, { amount: p.value }), ref: p.ref, nonce: p.nonce, ...referenceJson(p.ref, onChain) },
      () => out.line(`paid ${t.fmt(p.value)} from ${payer} to ${payee}, reference ${referenceText(p.ref, onChain)}`));
  }));

paymentCommand("payment:settle-batch", "Settle signed payments as one netted batch: only each wallet's net position moves, all or nothing")
  .addParam("files", "the signed-payment files, comma-separated")
  .setAction(action<PaymentArgs & { files: string }>(async (args, ctx) => {
    const { t, domain } = await openToken(ctx, args.currency);
    const files = args.files.split(",").map((f) => f.trim()).filter((f) => f !== "");
    if (files.length === 0) throw new Error("--files names no file");
    const chainId = ctx.record.chainId.toString();
    const read = files.map((f) => readPaymentWithInformation(f, "--files", t, chainId, domain));
    const batch = read.map((r) => r.p);
    refuseRepeatedNonces(batch, files);
    const positions = [...netPositions(batch)];
    const rows = await Promise.all(positions.map(async ([wallet, net]) => {
      const id = await ctx.registry.participantOf(wallet);
      const who = id === ethers.ZeroHash ? "not onboarded" : await ctx.participantLabel(id);
      const participant = id === ethers.ZeroHash ? null : await ctx.participantJson(id);
      return { wallet, who, participant, net, balance: await t.contract.balanceOf(wallet) };
    }));
    const { gross, net } = grossAndNet(batch);
    if (!ctx.args.json) {
      out.line(`net positions of ${batch.length} signed payments (gross ${t.fmt(gross)}, net ${t.fmt(net)}):`);
      printTable(["wallet", "participant", "net", "balance"],
        rows.map((r) => [r.wallet, r.who, `${r.net > 0n ? "+" : ""}${t.fmt(r.net)}`, t.fmt(r.balance)]));
    }
    const signer = await submitter(ctx, t);
    const receipt = await ctx.send(`settle ${batch.length} signed payments netted`, t.contract.connect(signer).settlePaymentBatch, [batch], t, files, read.map((r) => r.info));
    const event = receipt.logs.map((l) => t.contract.interface.parseLog(l)).find((e) => e?.name === "PaymentBatchSettled");
    const [grossOnChain, netOnChain] = [event!.args.grossValue as bigint, event!.args.netValue as bigint];
    const saved = liquiditySavedPercent(grossOnChain, netOnChain);
    ctx.report({
      instructions: batch.length, ...amountsJson(t.fmt, { gross: grossOnChain, net: netOnChain }), liquiditySavedPercent: saved,
      positions: rows.map((r) => ({ wallet: r.wallet, participant: r.participant, ...amountsJson(t.fmt, { net: r.net }) })),
    }, () => out.line(`settled ${batch.length} payments: gross ${t.fmt(grossOnChain)}, net moved ${t.fmt(netOnChain)} (${saved}% of the liquidity saved), gas ${receipt.gasUsed}`));
  }));

paymentCommand("payment:list", "List the payments with a reference (transfers, signed payments, netted batches), with the information that travelled with each")
  .addOptionalParam("wallet", "only payments this wallet sent or received (default: every payment)")
  .setAction(action<PaymentArgs & { wallet?: string }>(async (args, ctx) => {
    const t = await ctx.depositToken(args.currency);
    const wallet = args.wallet !== undefined ? parseAddress(args.wallet, "--wallet") : undefined;
    const from = ctx.fromBlock(t.key!);
    const token = t.contract;
    const events = wallet === undefined
      ? await token.queryFilter(token.filters.ReferencedTransfer(), from)
      : [...await token.queryFilter(token.filters.ReferencedTransfer(wallet), from), ...await token.queryFilter(token.filters.ReferencedTransfer(undefined, wallet), from)];
    const seen = new Set<string>();
    const unique = events
      .filter((e) => { const key = `${e.transactionHash}:${e.index}`; if (seen.has(key)) return false; seen.add(key); return true; })
      .sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    const carried = new Map<string, Map<string, PaymentInformation>>();
    for (const e of unique) {
      if (carried.has(e.transactionHash)) continue;
      const refs = unique.filter((o) => o.transactionHash === e.transactionHash).map((o) => o.args.ref);
      carried.set(e.transactionHash, await transactionInformation(ctx.hre.ethers.provider, e.transactionHash, refs));
    }
    const rows = await Promise.all(unique.map(async (e) => {
      const info = carried.get(e.transactionHash)!.get(e.args.ref.toLowerCase());
      return {
        block: e.blockNumber, txHash: e.transactionHash, from: e.args.from, fromLabel: await ctx.walletLabel(e.args.from),
        to: e.args.to, toLabel: await ctx.walletLabel(e.args.to), amount: e.args.amount.toString(), amountText: t.fmt(e.args.amount),
        ...referenceJson(e.args.ref, info), text: referenceText(e.args.ref, info),
      };
    }));
    ctx.report({ currency: t.label, wallet: wallet ?? null, payments: rows.map(({ text: _text, ...r }) => r) }, () => {
      if (rows.length === 0) out.line(`no payments with a reference on ${t.label}${wallet ? ` sent or received by ${wallet}` : ""}`);
      else printTable(["block", "from", "to", "amount", "reference"], rows.map((r) => [String(r.block), r.fromLabel, r.toLabel, r.amountText, r.text]));
    });
  }));
