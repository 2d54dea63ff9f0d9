import type { DepositToken } from "../../typechain-types";
import { CommandContext, CommonArgs, Leg } from "../../lib/cli/context";
import { requireBalance } from "../../lib/cli/funds";
import { amountsJson, out, printTable } from "../../lib/cli/output";
import { parseAddress, parseAmount, toReference } from "../../lib/format";
import { enumName, REDEMPTION_STATUS } from "../../lib/roles";
import { action, command } from "./command";

interface TokenArgs extends CommonArgs { currency: string }

/** Declares a deposit-token command: --currency (default USD) plus the common options. */
function tokenCommand(name: string, description: string) {
  return command(name, description).addOptionalParam("currency", "ISO 4217 code of the deposit token", "USD");
}

function amountOf(text: string, t: Leg): bigint {
  const value = parseAmount(text, t.decimals, "--amount");
  if (value === 0n) throw new Error(`--amount "${text}" is zero`);
  return value;
}

/** A reference given as text or 0x hex, printed both ways. */
function reference(text: string, what: string): { text: string; hex: string } {
  return { text, hex: toReference(text, what) };
}

const open = (ctx: CommandContext, args: TokenArgs): Promise<Leg<DepositToken>> => ctx.depositToken(args.currency);

tokenCommand("token:issue", "Issue deposit tokens against a fiat deposit")
  .addParam("to", "wallet credited")
  .addParam("amount", "amount in currency units, e.g. 1250000.00")
  .addParam("depositRef", "deposit instruction reference (text or 0x hex); issues once, ever")
  .setAction(action<TokenArgs & { to: string; amount: string; depositRef: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const to = parseAddress(args.to, "--to");
    const amount = amountOf(args.amount, t);
    const ref = reference(args.depositRef, "--deposit-ref");
    if (await t.contract.isDepositRefUsed(ref.hex)) throw new Error(`deposit reference "${ref.text}" (${ref.hex}) has already issued tokens; nothing was sent`);
    const signer = await ctx.signer(t.contract, "ISSUER_ROLE", t.key);
    await ctx.send(`issue ${t.fmt(amount)} to ${to}`, t.contract.connect(signer).mint, [to, amount, ref.hex], t);
    ctx.report({ to, ...amountsJson(t.fmt, { amount }), depositRef: ref.text, depositRefHex: ref.hex },
      () => out.line(`issued ${t.fmt(amount)} to ${to}, deposit ref "${ref.text}" = ${ref.hex}`));
  }));

tokenCommand("token:attest", "Attest the fiat reserves backing the token")
  .addParam("amount", "reserves in currency units")
  .addParam("report", "attestation report reference or hash (text or 0x hex)")
  .setAction(action<TokenArgs & { amount: string; report: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const reserves = parseAmount(args.amount, t.decimals, "--amount");
    const report = reference(args.report, "--report");
    const signer = await ctx.signer(t.contract, "RESERVE_ROLE", t.key);
    await ctx.send(`attest reserves of ${t.fmt(reserves)}`, t.contract.connect(signer).attestReserves, [reserves, report.hex], t);
    ctx.report({ ...amountsJson(t.fmt, { reserves }), report: report.text, reportHash: report.hex },
      () => out.line(`reserves of ${t.fmt(reserves)} attested, report "${report.text}" = ${report.hex}`));
  }));

tokenCommand("token:transfer", "Pay another wallet, optionally with a payment reference")
  .addParam("to", "payee wallet")
  .addParam("amount", "amount in currency units")
  .addOptionalParam("ref", "payment reference (text or 0x hex), emitted with the value")
  .setAction(action<TokenArgs & { to: string; amount: string; ref?: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const to = parseAddress(args.to, "--to");
    const amount = amountOf(args.amount, t);
    const signer = await ctx.signer();
    const from = await signer.getAddress();
    await requireBalance(t, from, amount);
    const ref = args.ref !== undefined ? reference(args.ref, "--ref") : undefined;
    const token = t.contract.connect(signer);
    if (ref) await ctx.send(`pay ${t.fmt(amount)} to ${to} ref "${ref.text}"`, token.transferWithReference, [to, amount, ref.hex], t);
    else await ctx.send(`pay ${t.fmt(amount)} to ${to}`, token.transfer, [to, amount], t);
    ctx.report({ from, to, ...amountsJson(t.fmt, { amount }), ref: ref?.text, refHex: ref?.hex },
      () => out.line(`paid ${t.fmt(amount)} from ${from} to ${to}${ref ? ` with reference "${ref.text}"` : ""}`));
  }));

tokenCommand("token:balance", "Show a wallet's balance")
  .addOptionalParam("wallet", "wallet (default: the signing account)")
  .setAction(action<TokenArgs & { wallet?: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const wallet = args.wallet ? parseAddress(args.wallet, "--wallet") : await (await ctx.signer()).getAddress();
    const balance = await t.contract.balanceOf(wallet);
    const frozen = await t.contract.isFrozen(wallet);
    const allowed = await ctx.registry.isAllowed(wallet);
    ctx.report({ wallet, currency: t.label, ...amountsJson(t.fmt, { balance }), frozen, allowed },
      () => out.line(`${wallet}: ${t.fmt(balance)}${frozen ? " (frozen)" : ""}${allowed ? "" : " (not allowed: see participant:show)"}`));
  }));

tokenCommand("token:redeem", "Request redemption of tokens for fiat (the amount is held until the bank pays out)")
  .addParam("amount", "amount in currency units")
  .setAction(action<TokenArgs & { amount: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const amount = amountOf(args.amount, t);
    const signer = await ctx.signer();
    const holder = await signer.getAddress();
    await requireBalance(t, holder, amount);
    await ctx.send(`request redemption of ${t.fmt(amount)}`, t.contract.connect(signer).requestRedemption, [amount], t);
    const id = await t.contract.redemptionCount();
    ctx.report({ id: id.toString(), holder, ...amountsJson(t.fmt, { amount }) },
      () => out.line(`redemption ${id} pending: ${t.fmt(amount)} held for ${holder}`));
  }));

async function pendingRedemption(t: Leg<DepositToken>, idText: string) {
  if (!/^\d+$/.test(idText)) throw new Error(`--id "${idText}" is not a redemption id (a whole number)`);
  const id = BigInt(idText);
  const r = await t.contract.redemption(id);
  if (Number(r.status) !== 1) throw new Error(`redemption ${idText} is ${enumName(REDEMPTION_STATUS, r.status)}; nothing was sent`);
  return { id, r };
}

tokenCommand("token:complete-redemption", "Complete a redemption after the fiat payout (burns the held amount)")
  .addParam("id", "redemption id")
  .setAction(action<TokenArgs & { id: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const { id, r } = await pendingRedemption(t, args.id);
    const signer = await ctx.signer(t.contract, "ISSUER_ROLE", t.key);
    await ctx.send(`complete redemption ${id}`, t.contract.connect(signer).completeRedemption, [id], t);
    ctx.report({ id: id.toString(), holder: r.holder, ...amountsJson(t.fmt, { amount: r.amount }) },
      () => out.line(`redemption ${id} completed: ${t.fmt(r.amount)} of ${r.holder} burnt`));
  }));

tokenCommand("token:reject-redemption", "Reject a redemption; the held amount returns to the holder")
  .addParam("id", "redemption id")
  .addParam("reason", "reason (text or 0x hex)")
  .setAction(action<TokenArgs & { id: string; reason: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const { id, r } = await pendingRedemption(t, args.id);
    const reason = reference(args.reason, "--reason");
    const signer = await ctx.signer(t.contract, "ISSUER_ROLE", t.key);
    await ctx.send(`reject redemption ${id}`, t.contract.connect(signer).rejectRedemption, [id, reason.hex], t);
    ctx.report({ id: id.toString(), holder: r.holder, ...amountsJson(t.fmt, { amount: r.amount }), reason: reason.text, reasonHex: reason.hex },
      () => out.line(`redemption ${id} rejected: ${t.fmt(r.amount)} returned to ${r.holder}`));
  }));

tokenCommand("token:redemptions", "List pending redemptions")
  .setAction(action<TokenArgs>(async (args, ctx) => {
    const t = await open(ctx, args);
    const count = await t.contract.redemptionCount();
    const pending: Record<string, string>[] = [];
    for (let id = 1n; id <= count; id++) {
      const r = await t.contract.redemption(id);
      if (Number(r.status) === 1) pending.push({ id: id.toString(), holder: r.holder, ...amountsJson(t.fmt, { amount: r.amount }) });
    }
    ctx.report({ pending }, () => {
      if (pending.length === 0) out.line("no pending redemptions");
      else printTable(["id", "holder", "amount"], pending.map((p) => [p.id, p.holder, p.amountText]));
    });
  }));

for (const [name, method, verb] of [
  ["token:freeze", "freeze", "Freeze a wallet: it can neither send nor receive"],
  ["token:unfreeze", "unfreeze", "Unfreeze a wallet"],
] as const) {
  tokenCommand(name, verb)
    .addParam("wallet", "wallet address")
    .setAction(action<TokenArgs & { wallet: string }>(async (args, ctx) => {
      const t = await open(ctx, args);
      const wallet = parseAddress(args.wallet, "--wallet");
      const signer = await ctx.signer(t.contract, "COMPLIANCE_ROLE", t.key);
      await ctx.send(`${method} ${wallet} on ${t.label}`, t.contract.connect(signer)[method], [wallet], t);
      ctx.report({ wallet, currency: t.label, frozen: method === "freeze" },
        () => out.line(`${wallet} is ${method === "freeze" ? "frozen" : "no longer frozen"} on ${t.label}`));
    }));
}

tokenCommand("token:force-transfer", "Move tokens without the holder's consent under a legal reference")
  .addParam("wallet", "wallet debited (may be frozen, suspended or revoked)")
  .addParam("to", "wallet credited")
  .addParam("amount", "amount in currency units")
  .addParam("legalRef", "court order or case reference (text or 0x hex)")
  .setAction(action<TokenArgs & { wallet: string; to: string; amount: string; legalRef: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const from = parseAddress(args.wallet, "--wallet");
    const to = parseAddress(args.to, "--to");
    const amount = amountOf(args.amount, t);
    const legal = reference(args.legalRef, "--legal-ref");
    await requireBalance(t, from, amount);
    const signer = await ctx.signer(t.contract, "COMPLIANCE_ROLE", t.key);
    await ctx.send(`force ${t.fmt(amount)} from ${from} to ${to} under "${legal.text}"`, t.contract.connect(signer).forceTransfer, [from, to, amount, legal.hex], t);
    ctx.report({ from, to, ...amountsJson(t.fmt, { amount }), legalRef: legal.text, legalRefHex: legal.hex },
      () => out.line(`forced ${t.fmt(amount)} from ${from} to ${to} under legal reference "${legal.text}" = ${legal.hex}`));
  }));

for (const [name, method, verb] of [
  ["token:pause", "pause", "Stop every movement except forced transfers"],
  ["token:unpause", "unpause", "Resume movements"],
] as const) {
  tokenCommand(name, verb)
    .setAction(action<TokenArgs>(async (args, ctx) => {
      const t = await open(ctx, args);
      const signer = await ctx.signer(t.contract, "PAUSER_ROLE", t.key);
      await ctx.send(`${method} ${t.key}`, t.contract.connect(signer)[method], [], t);
      ctx.report({ currency: t.label, paused: method === "pause" }, () => out.line(`${t.label} deposit token ${method === "pause" ? "paused" : "running"}`));
    }));
}
