import { types } from "hardhat/config";
import { CommonArgs, isoDate, parseExpiry, STATUS_NAMES } from "../../lib/cli/context";
import { out, printTable, UserError } from "../../lib/cli/output";
import { parseAddress, participantId } from "../../lib/format";
import { action, command } from "./command";

interface IdArgs extends CommonArgs { id: string }

/** A participant id from --id: an LEI, a name, or a 0x 32-byte id as listed by participant:list. */
function idFrom(text: string): string {
  if (text.trim() === "") throw new Error("--id is empty");
  return participantId(text);
}

command("participant:onboard", "Onboard an institution with its wallets")
  .addParam("id", "LEI (20 characters), institution name, or 0x 32-byte id")
  .addParam("wallets", "comma-separated wallet addresses", undefined, types.string)
  .addParam("kycExpiry", "KYC expiry: YYYY-MM-DD (end of day UTC), ISO 8601 or unix seconds")
  .setAction(action<IdArgs & { wallets: string; kycExpiry: string }>(async (args, ctx) => {
    const id = idFrom(args.id);
    const wallets = args.wallets.split(",").map((w) => w.trim()).filter(Boolean).map((w) => parseAddress(w, "--wallets entry"));
    const expiry = parseExpiry(args.kycExpiry);
    const signer = await ctx.signer(ctx.registry, "COMPLIANCE_ROLE", "ParticipantRegistry");
    await ctx.send(`onboard ${args.id}`, ctx.registry, "onboard", [id, wallets, expiry], signer);
    ctx.report({ id, wallets, kycExpiry: expiry }, () => out.line(`participant ${id} onboarded with ${wallets.length} wallet(s), KYC until ${isoDate(expiry)}`));
  }));

command("participant:link", "Link a wallet to a participant")
  .addParam("id", "participant: LEI, name or 0x id")
  .addParam("wallet", "wallet address")
  .setAction(action<IdArgs & { wallet: string }>(async (args, ctx) => {
    const id = idFrom(args.id);
    const wallet = parseAddress(args.wallet, "--wallet");
    const signer = await ctx.signer(ctx.registry, "COMPLIANCE_ROLE", "ParticipantRegistry");
    await ctx.send(`link ${wallet}`, ctx.registry, "linkWallet", [id, wallet], signer);
    ctx.report({ id, wallet });
  }));

command("participant:unlink", "Unlink a wallet from its participant")
  .addParam("wallet", "wallet address")
  .setAction(action<CommonArgs & { wallet: string }>(async (args, ctx) => {
    const wallet = parseAddress(args.wallet, "--wallet");
    const signer = await ctx.signer(ctx.registry, "COMPLIANCE_ROLE", "ParticipantRegistry");
    await ctx.send(`unlink ${wallet}`, ctx.registry, "unlinkWallet", [wallet], signer);
    ctx.report({ wallet });
  }));

for (const [name, status, verb] of [
  ["participant:suspend", 2, "Suspend a participant: none of its wallets may send or receive"],
  ["participant:reinstate", 1, "Reinstate a suspended participant"],
  ["participant:revoke", 3, "Revoke a participant (final)"],
] as const) {
  command(name, verb)
    .addParam("id", "participant: LEI, name or 0x id")
    .setAction(action<IdArgs>(async (args, ctx) => {
      const id = idFrom(args.id);
      const signer = await ctx.signer(ctx.registry, "COMPLIANCE_ROLE", "ParticipantRegistry");
      await ctx.send(`${name.split(":")[1]} ${args.id}`, ctx.registry, "setStatus", [id, status], signer);
      ctx.report({ id, status: STATUS_NAMES[status] }, () => out.line(`participant ${id} is now ${STATUS_NAMES[status]}`));
    }));
}

command("participant:renew-kyc", "Set a participant's KYC expiry after a renewed review")
  .addParam("id", "participant: LEI, name or 0x id")
  .addParam("kycExpiry", "new KYC expiry: YYYY-MM-DD, ISO 8601 or unix seconds")
  .setAction(action<IdArgs & { kycExpiry: string }>(async (args, ctx) => {
    const id = idFrom(args.id);
    const expiry = parseExpiry(args.kycExpiry);
    const signer = await ctx.signer(ctx.registry, "COMPLIANCE_ROLE", "ParticipantRegistry");
    await ctx.send(`renew KYC of ${args.id}`, ctx.registry, "renewKyc", [id, expiry], signer);
    ctx.report({ id, kycExpiry: expiry }, () => out.line(`participant ${id} KYC until ${isoDate(expiry)}`));
  }));

command("participant:show", "Show one participant (by --id, or by one of its wallets)")
  .addOptionalParam("id", "participant: LEI, name or 0x id")
  .addOptionalParam("wallet", "a wallet of the participant")
  .setAction(action<CommonArgs & { id?: string; wallet?: string }>(async (args, ctx) => {
    let id: string;
    if (args.id) id = idFrom(args.id);
    else if (args.wallet) {
      const wallet = parseAddress(args.wallet, "--wallet");
      id = await ctx.registry.participantOf(wallet);
      if (id === ctx.hre.ethers.ZeroHash) throw new UserError(`wallet ${wallet} is not linked to any participant`);
    } else throw new UserError("give --id or --wallet");
    const [status, kycExpiry, wallets] = await ctx.registry.getParticipant(id);
    if (Number(status) === 0) throw new UserError(`no participant ${args.id ?? id} (id ${id})`);
    const allowed = await Promise.all(wallets.map((w) => ctx.registry.isAllowed(w)));
    const result = { id, status: STATUS_NAMES[Number(status)], kycExpiry: isoDate(Number(kycExpiry)), wallets: wallets.map((w, i) => ({ wallet: w, allowed: allowed[i] })) };
    ctx.report(result, () => {
      out.line(`participant ${id}`);
      out.line(`  status      ${result.status}`);
      out.line(`  KYC expiry  ${result.kycExpiry}`);
      for (const w of result.wallets) out.line(`  wallet      ${w.wallet}${w.allowed ? "" : "  (not allowed)"}`);
    });
  }));

command("participant:list", "List every participant with status and KYC expiry (from the registry's events)")
  .setAction(action<CommonArgs>(async (_args, ctx) => {
    const from = ctx.record.contracts.ParticipantRegistry.block;
    const events = await ctx.registry.queryFilter(ctx.registry.filters.ParticipantOnboarded(), from);
    const rows: { id: string; status: string; kycExpiry: string; wallets: string[] }[] = [];
    for (const e of events) {
      const id = e.args.id;
      const [status, kycExpiry, wallets] = await ctx.registry.getParticipant(id);
      rows.push({ id, status: STATUS_NAMES[Number(status)], kycExpiry: isoDate(Number(kycExpiry)), wallets: [...wallets] });
    }
    ctx.report({ participants: rows }, () => {
      if (rows.length === 0) out.line("no participants");
      else printTable(["id", "status", "KYC expiry", "wallets"], rows.map((r) => [r.id, r.status, r.kycExpiry, r.wallets.join(",")]));
    });
  }));
