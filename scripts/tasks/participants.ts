import { types } from "hardhat/config";
import { CommandContext, CommonArgs } from "../../lib/cli/context";
import { out, printTable } from "../../lib/cli/output";
import { REGISTRY_KEY } from "../../lib/deployment";
import { Failure } from "../../lib/failure";
import { isoDate, parseAddress, parseDate, parseLegalName, parseParticipant, participantDisplay, participantFields } from "../../lib/format";
import { enumName, PARTICIPANT_STATUS } from "../../lib/roles";
import { action, command } from "./command";

interface IdArgs extends CommonArgs { id: string }

/**
 * A participant from --id: an LEI (any case, checked by its ISO 17442 check digits), an institution's name,
 * or a 0x 32-byte id as listed by participant:list. `text` is what the id is derived from ("LEI:<LEI>" or
 * the name), recorded on chain at onboarding so that every operator's machine shows it.
 */
function participant(text: string): { id: string; text?: string; label: string } {
  const p = parseParticipant(text, "--id");
  return { ...p, label: p.lei ? `LEI ${p.lei}` : p.text ?? p.id };
}

const compliance = (ctx: CommandContext) => ctx.signer(ctx.registry, "COMPLIANCE_ROLE", REGISTRY_KEY);

command("participant:onboard", "Onboard an institution with its wallets; its LEI or name, and its legal name, are recorded on chain")
  .addParam("id", "LEI (20 characters, any case, check digits checked), institution name, or 0x 32-byte id")
  .addOptionalParam("name", "the institution's legal name, as on its LEI record (up to 140 bytes)")
  .addParam("wallets", "comma-separated wallet addresses", undefined, types.string)
  .addParam("kycExpiry", "KYC expiry: YYYY-MM-DD (end of day UTC), ISO 8601 or unix seconds")
  .setAction(action<IdArgs & { name?: string; wallets: string; kycExpiry: string }>(async (args, ctx) => {
    const p = participant(args.id);
    const legalName = args.name === undefined ? undefined : parseLegalName(args.name, "--name");
    const wallets = args.wallets.split(",").map((w) => w.trim()).filter(Boolean).map((w) => parseAddress(w, "--wallets entry"));
    const expiry = parseDate(args.kycExpiry, "--kyc-expiry");
    const registry = ctx.registry.connect(await compliance(ctx));
    await ctx.send(`onboard ${p.label}`, registry.onboard, [p.id, wallets, expiry]);
    if (p.text) await ctx.send(`record the ${p.text.startsWith("LEI:") ? "LEI" : "name"} of ${p.label}`, registry.nameParticipant, [p.id, p.text]);
    if (legalName) await ctx.send(`record the legal name of ${p.label}`, registry.setLegalName, [p.id, legalName]);
    const label = participantDisplay(p.id, p.text, legalName);
    ctx.report({ id: p.id, ...participantFields(p.text, legalName), wallets, kycExpiry: isoDate(expiry) },
      () => out.line(`participant ${label} (id ${p.id}) onboarded with ${wallets.length} wallet(s), KYC until ${isoDate(expiry)}`));
  }));

command("participant:rename", "Record a participant's legal name anew (after the institution changed it, or to add one)")
  .addParam("id", "participant: LEI, name or 0x id")
  .addParam("name", "the institution's legal name, as on its LEI record (up to 140 bytes)")
  .setAction(action<IdArgs & { name: string }>(async (args, ctx) => {
    const p = participant(args.id);
    const legalName = parseLegalName(args.name, "--name");
    const [status] = await ctx.registry.getParticipant(p.id);
    if (Number(status) === 0) throw new Failure("NOT_FOUND", `no participant ${p.label} (id ${p.id})`);
    const before = await ctx.participantLabel(p.id);
    await ctx.send(`record the legal name of ${before}`, ctx.registry.connect(await compliance(ctx)).setLegalName, [p.id, legalName]);
    const name = (await ctx.participantNames()).get(p.id);
    const label = participantDisplay(p.id, name, legalName);
    ctx.report({ id: p.id, ...participantFields(name, legalName) }, () => out.line(`participant ${before} is now ${label}`));
  }));

command("participant:link", "Link a wallet to a participant")
  .addParam("id", "participant: LEI, name or 0x id")
  .addParam("wallet", "wallet address")
  .setAction(action<IdArgs & { wallet: string }>(async (args, ctx) => {
    const p = participant(args.id);
    const wallet = parseAddress(args.wallet, "--wallet");
    await ctx.send(`link ${wallet} to ${p.label}`, ctx.registry.connect(await compliance(ctx)).linkWallet, [p.id, wallet]);
    ctx.report({ ...(await ctx.participantJson(p.id)), wallet }, () => out.line(`${wallet} linked to ${p.label}`));
  }));

command("participant:unlink", "Unlink a wallet from its participant")
  .addParam("wallet", "wallet address")
  .setAction(action<CommonArgs & { wallet: string }>(async (args, ctx) => {
    const wallet = parseAddress(args.wallet, "--wallet");
    await ctx.send(`unlink ${wallet}`, ctx.registry.connect(await compliance(ctx)).unlinkWallet, [wallet]);
    ctx.report({ wallet }, () => out.line(`${wallet} unlinked`));
  }));

for (const [name, status, verb] of [
  ["participant:suspend", 2, "Suspend a participant: none of its wallets may send or receive"],
  ["participant:reinstate", 1, "Reinstate a suspended participant"],
  ["participant:revoke", 3, "Revoke a participant (final)"],
] as const) {
  command(name, verb)
    .addParam("id", "participant: LEI, name or 0x id")
    .setAction(action<IdArgs>(async (args, ctx) => {
      const p = participant(args.id);
      await ctx.send(`${name.split(":")[1]} ${p.label}`, ctx.registry.connect(await compliance(ctx)).setStatus, [p.id, status]);
      const label = await ctx.participantLabel(p.id);
      ctx.report({ ...(await ctx.participantJson(p.id)), status: PARTICIPANT_STATUS[status] }, () => out.line(`participant ${label} is now ${PARTICIPANT_STATUS[status]}`));
    }));
}

command("participant:renew-kyc", "Set a participant's KYC expiry after a renewed review")
  .addParam("id", "participant: LEI, name or 0x id")
  .addParam("kycExpiry", "new KYC expiry: YYYY-MM-DD, ISO 8601 or unix seconds")
  .setAction(action<IdArgs & { kycExpiry: string }>(async (args, ctx) => {
    const p = participant(args.id);
    const expiry = parseDate(args.kycExpiry, "--kyc-expiry");
    await ctx.send(`renew KYC of ${p.label}`, ctx.registry.connect(await compliance(ctx)).renewKyc, [p.id, expiry]);
    ctx.report({ ...(await ctx.participantJson(p.id)), kycExpiry: isoDate(expiry) }, () => out.line(`participant ${p.label} KYC until ${isoDate(expiry)}`));
  }));

/** A participant's record in words. */
async function describe(ctx: CommandContext, id: string) {
  const [status, kycExpiry, wallets] = await ctx.registry.getParticipant(id);
  const allowed = await Promise.all(wallets.map((w) => ctx.registry.isAllowed(w)));
  return {
    ...(await ctx.participantJson(id)), label: await ctx.participantLabel(id), status: enumName(PARTICIPANT_STATUS, status), kycExpiry: isoDate(Number(kycExpiry)),
    wallets: wallets.map((w, i) => ({ wallet: w, allowed: allowed[i] })),
  };
}

command("participant:show", "Show one participant (by --id, or by one of its wallets)")
  .addOptionalParam("id", "participant: LEI, name or 0x id")
  .addOptionalParam("wallet", "a wallet of the participant")
  .setAction(action<CommonArgs & { id?: string; wallet?: string }>(async (args, ctx) => {
    let id: string;
    if (args.id) id = participant(args.id).id;
    else if (args.wallet) {
      const wallet = parseAddress(args.wallet, "--wallet");
      id = await ctx.registry.participantOf(wallet);
      if (id === ctx.hre.ethers.ZeroHash) throw new Failure("NOT_FOUND", `wallet ${wallet} is not linked to any participant`);
    } else throw new Error("give --id or --wallet");
    const [status] = await ctx.registry.getParticipant(id);
    if (Number(status) === 0) throw new Failure("NOT_FOUND", `no participant ${args.id ?? id} (id ${id})`);
    const result = await describe(ctx, id);
    const { label: _label, ...json } = result;
    ctx.report(json, () => {
      out.line(`participant ${result.label}${result.label === id ? "" : ` (id ${id})`}`);
      out.line(`  status      ${result.status}`);
      out.line(`  KYC expiry  ${result.kycExpiry}`);
      for (const w of result.wallets) out.line(`  wallet      ${w.wallet}${w.allowed ? "" : "  (not allowed)"}`);
    });
  }));

command("participant:list", "List every participant with its LEI or name, status and KYC expiry (from the registry's events)")
  .setAction(action<CommonArgs>(async (_args, ctx) => {
    const events = await ctx.registry.queryFilter(ctx.registry.filters.ParticipantOnboarded(), ctx.fromBlock(REGISTRY_KEY));
    const rows: Awaited<ReturnType<typeof describe>>[] = [];
    for (const e of events) rows.push(await describe(ctx, e.args.id));
    ctx.report({ participants: rows.map(({ label: _label, ...r }) => ({ ...r, wallets: r.wallets.map((w) => w.wallet) })) }, () => {
      if (rows.length === 0) out.line("no participants");
      else printTable(["participant", "status", "KYC expiry", "wallets", "id"], rows.map((r) => [r.label, r.status, r.kycExpiry, r.wallets.map((w) => w.wallet).join(","), r.id]));
    });
  }));
