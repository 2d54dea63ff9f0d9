import type { CommandContext, CommonArgs, Leg } from "../../lib/cli/context";
import { approve, permit } from "../../lib/cli/funds";
import { amountsJson, out } from "../../lib/cli/output";
import { ESCROW_KEY } from "../../lib/deployment";
import { parseAddress, parseAmount, parseDate } from "../../lib/format";
import { action, command } from "./command";

interface AllowanceArgs extends CommonArgs {
  spender: string;
  amount?: string;
  units?: string;
  currency: string;
  isin?: string;
  relayer?: string;
  deadline?: string;
}

/** The spender: `escrow` for the deployment's DvP escrow, or an address. */
async function spenderOf(ctx: CommandContext, text: string): Promise<{ address: string; label: string }> {
  if (text.trim().toLowerCase() === "escrow") return { address: await (await ctx.escrow()).getAddress(), label: "the escrow" };
  const address = parseAddress(text, "--spender");
  return { address, label: address };
}

// token:approve / token:permit (deposit token, --amount in currency units) and security:approve /
// security:permit (--units): what a holder runs before the escrow (or any spender) may pull its tokens.
for (const kind of ["token", "security"] as const) {
  const amountOption = kind === "token" ? "amount" : "units";
  const open = (ctx: CommandContext, args: AllowanceArgs): Promise<Leg> =>
    kind === "token" ? ctx.depositToken(args.currency) : ctx.security(args.isin);
  for (const how of ["approve", "permit"] as const) {
    const cmd = command(`${kind}:${how}`, how === "approve"
      ? `Allow a spender (the escrow) to pull up to an amount of the signer's ${kind === "token" ? "deposit tokens" : "security"}`
      : `Allow a spender by ERC-2612 permit: the holder (--from) signs, --relayer (default the holder) submits`)
      .addParam("spender", "`escrow` for the DvP escrow, or an address")
      .addParam(amountOption, kind === "token" ? "allowance in currency units, e.g. 18000.00" : "allowance in units of the security");
    if (kind === "token") cmd.addOptionalParam("currency", "ISO 4217 code of the deposit token", "USD");
    else cmd.addOptionalParam("isin", "ISIN of the security token (default: the only one deployed)");
    if (how === "permit") {
      cmd.addOptionalParam("relayer", "configured account that submits the signed permit (index or address)")
        .addOptionalParam("deadline", "last moment the permit may be used: YYYY-MM-DD, ISO 8601 or unix seconds (default: one hour)");
    }
    cmd.setAction(action<AllowanceArgs>(async (args, ctx) => {
      const leg = await open(ctx, args);
      const spender = await spenderOf(ctx, args.spender);
      const text = (kind === "token" ? args.amount : args.units)!;
      const amount = parseAmount(text, leg.decimals, `--${amountOption}`);
      const holder = await ctx.signer();
      if (how === "approve") await approve(ctx, leg, holder, spender.address, spender.label, amount);
      else {
        const now = (await ctx.hre.ethers.provider.getBlock("latest"))!.timestamp;
        const deadline = args.deadline ? parseDate(args.deadline, "--deadline") : now + 3600;
        await permit(ctx, leg, holder, args.relayer === undefined ? holder : await ctx.account(args.relayer, "--relayer"), spender.address, spender.label, amount, deadline);
      }
      const owner = await holder.getAddress();
      const allowance = await leg.contract.allowance(owner, spender.address);
      ctx.report({ owner, spender: spender.address, token: leg.address, ...amountsJson(leg.fmt, { allowance }) },
        () => out.line(`${owner} allows ${spender.label === "the escrow" ? `the escrow (${ESCROW_KEY} ${spender.address})` : spender.address} ${leg.fmt(allowance)}`));
    }));
  }
}
