import { CommandContext, CommonArgs, OpenToken } from "../../lib/cli/context";
import { out, printTable, UserError } from "../../lib/cli/output";
import { parseAddress, parseAmount, toReference } from "../../lib/format";
import { action, command } from "./command";

interface TokenArgs extends CommonArgs { currency: string }

/** Declares a deposit-token command: --currency (default USD) plus the common options. */
function tokenCommand(name: string, description: string) {
  return command(name, description).addOptionalParam("currency", "ISO 4217 code of the deposit token", "USD");
}

function amountOf(text: string, t: OpenToken): bigint {
  const value = parseAmount(text, t.decimals, "--amount");
  if (value === 0n) throw new UserError(`--amount "${text}" is zero`);
  return value;
}

/** A reference given as text or 0x hex, printed both ways. */
function reference(text: string, what: string): { text: string; hex: string } {
  return { text, hex: toReference(text, what) };
}

/** Pre-check that `wallet` holds `amount`: nothing is sent when it does not. */
async function requireBalance(t: OpenToken, wallet: string, amount: bigint): Promise<void> {
  const balance = await t.token.balanceOf(wallet);
  if (balance < amount) throw new UserError(`${wallet} holds ${t.fmt(balance)}, needs ${t.fmt(amount)}; nothing was sent`);
}

async function open(ctx: CommandContext, args: TokenArgs): Promise<OpenToken> {
  return ctx.depositToken(args.currency);
}

tokenCommand("token:issue", "Issue deposit tokens against a fiat deposit")
  .addParam("to", "wallet credited")
  .addParam("amount", "amount in currency units, e.g. 1250000.00")
  .addParam("depositRef", "deposit instruction reference (text or 0x hex); issues once, ever")
  .setAction(action<TokenArgs & { to: string; amount: string; depositRef: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const to = parseAddress(args.to, "--to");
    const amount = amountOf(args.amount, t);
    const ref = reference(args.depositRef, "--deposit-ref");
    if (await t.token.isDepositRefUsed(ref.hex)) throw new UserError(`deposit reference "${ref.text}" (${ref.hex}) has already issued tokens; nothing was sent`);
    const signer = await ctx.signer(t.token, "ISSUER_ROLE", t.key);
    await ctx.send(`issue ${t.fmt(amount)} to ${to}`, t.token, "mint", [to, amount, ref.hex], signer);
    ctx.report({ to, amount: amount.toString(), amountText: t.fmt(amount), depositRef: ref.text, depositRefHex: ref.hex },
      () => out.line(`issued ${t.fmt(amount)} to ${to}, deposit ref "${ref.text}" = ${ref.hex}`));
  }));

tokenCommand("token:attest", "Attest the fiat reserves backing the token")
  .addParam("amount", "reserves in currency units")
  .addParam("report", "attestation report reference or hash (text or 0x hex)")
  .setAction(action<TokenArgs & { amount: string; report: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const amount = parseAmount(args.amount, t.decimals, "--amount");
    const report = reference(args.report, "--report");
    const signer = await ctx.signer(t.token, "RESERVE_ROLE", t.key);
    await ctx.send(`attest reserves of ${t.fmt(amount)}`, t.token, "attestReserves", [amount, report.hex], signer);
    ctx.report({ reserves: amount.toString(), reservesText: t.fmt(amount), report: report.text, reportHash: report.hex });
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
    if (ref) await ctx.send(`pay ${t.fmt(amount)} to ${to} ref "${ref.text}"`, t.token, "transferWithReference", [to, amount, ref.hex], signer);
    else await ctx.send(`pay ${t.fmt(amount)} to ${to}`, t.token, "transfer", [to, amount], signer);
    ctx.report({ from, to, amount: amount.toString(), amountText: t.fmt(amount), ref: ref?.text, refHex: ref?.hex });
  }));

tokenCommand("token:balance", "Show a wallet's balance")
  .addOptionalParam("wallet", "wallet (default: the signing account)")
  .setAction(action<TokenArgs & { wallet?: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const wallet = args.wallet ? parseAddress(args.wallet, "--wallet") : await (await ctx.signer()).getAddress();
    const balance = await t.token.balanceOf(wallet);
    const frozen = await t.token.isFrozen(wallet);
    const allowed = await ctx.registry.isAllowed(wallet);
    ctx.report({ wallet, currency: t.code, balance: balance.toString(), balanceText: t.fmt(balance), frozen, allowed },
      () => out.line(`${wallet}: ${t.fmt(balance)}${frozen ? " (frozen)" : ""}${allowed ? "" : ` (not allowed: ${"see participant:show"})`}`));
  }));

tokenCommand("token:redeem", "Request redemption of tokens for fiat (the amount is held until the bank pays out)")
  .addParam("amount", "amount in currency units")
  .setAction(action<TokenArgs & { amount: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const amount = amountOf(args.amount, t);
    const signer = await ctx.signer();
    const holder = await signer.getAddress();
    await requireBalance(t, holder, amount);
    await ctx.send(`request redemption of ${t.fmt(amount)}`, t.token, "requestRedemption", [amount], signer);
    const id = await t.token.redemptionCount();
    ctx.report({ id: id.toString(), holder, amount: amount.toString(), amountText: t.fmt(amount) },
      () => out.line(`redemption ${id} pending: ${t.fmt(amount)} held for ${holder}`));
  }));

async function pendingRedemption(t: OpenToken, idText: string) {
  if (!/^\d+$/.test(idText)) throw new UserError(`--id "${idText}" is not a redemption id (a whole number)`);
  const id = BigInt(idText);
  const r = await t.token.redemption(id);
  const state = ["unknown", "pending", "completed", "rejected"][Number(r.status)];
  if (Number(r.status) !== 1) throw new UserError(`redemption ${idText} is ${state}; nothing was sent`);
  return { id, r };
}

tokenCommand("token:complete-redemption", "Complete a redemption after the fiat payout (burns the held amount)")
  .addParam("id", "redemption id")
  .setAction(action<TokenArgs & { id: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const { id, r } = await pendingRedemption(t, args.id);
    const signer = await ctx.signer(t.token, "ISSUER_ROLE", t.key);
    await ctx.send(`complete redemption ${id}`, t.token, "completeRedemption", [id], signer);
    ctx.report({ id: id.toString(), holder: r.holder, amount: r.amount.toString(), amountText: t.fmt(r.amount) },
      () => out.line(`redemption ${id} completed: ${t.fmt(r.amount)} of ${r.holder} burnt`));
  }));

tokenCommand("token:reject-redemption", "Reject a redemption; the held amount returns to the holder")
  .addParam("id", "redemption id")
  .addParam("reason", "reason (text or 0x hex)")
  .setAction(action<TokenArgs & { id: string; reason: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const { id, r } = await pendingRedemption(t, args.id);
    const reason = reference(args.reason, "--reason");
    const signer = await ctx.signer(t.token, "ISSUER_ROLE", t.key);
    await ctx.send(`reject redemption ${id}`, t.token, "rejectRedemption", [id, reason.hex], signer);
    ctx.report({ id: id.toString(), holder: r.holder, amount: r.amount.toString(), reason: reason.text, reasonHex: reason.hex },
      () => out.line(`redemption ${id} rejected: ${t.fmt(r.amount)} returned to ${r.holder}`));
  }));

tokenCommand("token:redemptions", "List pending redemptions")
  .setAction(action<TokenArgs>(async (args, ctx) => {
    const t = await open(ctx, args);
    const count = await t.token.redemptionCount();
    const pending: { id: string; holder: string; amount: string; amountText: string }[] = [];
    for (let id = 1n; id <= count; id++) {
      const r = await t.token.redemption(id);
      if (Number(r.status) === 1) pending.push({ id: id.toString(), holder: r.holder, amount: r.amount.toString(), amountText: t.fmt(r.amount) });
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
      const signer = await ctx.signer(t.token, "COMPLIANCE_ROLE", t.key);
      await ctx.send(`${method} ${wallet}`, t.token, method, [wallet], signer);
      ctx.report({ wallet, frozen: method === "freeze" });
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
    const signer = await ctx.signer(t.token, "COMPLIANCE_ROLE", t.key);
    await ctx.send(`force ${t.fmt(amount)} from ${from} to ${to}`, t.token, "forceTransfer", [from, to, amount, legal.hex], signer);
    ctx.report({ from, to, amount: amount.toString(), legalRef: legal.text, legalRefHex: legal.hex });
  }));

for (const [name, method, verb] of [
  ["token:pause", "pause", "Stop every movement except forced transfers"],
  ["token:unpause", "unpause", "Resume movements"],
] as const) {
  tokenCommand(name, verb)
    .setAction(action<TokenArgs>(async (args, ctx) => {
      const t = await open(ctx, args);
      const signer = await ctx.signer(t.token, "PAUSER_ROLE", t.key);
      await ctx.send(`${method} ${t.key}`, t.token, method, [], signer);
      ctx.report({ currency: t.code, paused: method === "pause" });
    }));
}
