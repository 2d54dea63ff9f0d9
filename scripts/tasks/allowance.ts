import type { CommandContext, CommonArgs, Leg } from "../../lib/cli/context";
import { approve, permit } from "../../lib/cli/funds";
import { amountsJson, out } from "../../lib/cli/output";
import { ESCROW_KEY, FX_QUOTES_KEY } from "../../lib/deployment";
import { openFxQuotes } from "../../lib/cli/fx";
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

/** The spender: `escrow` for the deployment's DvP escrow, `fxquotes` for its FxQuotes, or an address. */
async function spenderOf(ctx: CommandContext, text: string): Promise<{ address: string; label: string; shown: string }> {
  const name = text.trim().toLowerCase();
  if (name === "escrow") {
    const address = await (await ctx.escrow()).getAddress();
    return { address, label: "the escrow", shown: `the escrow (${ESCROW_KEY} ${address})` };
  }
  if (name === "fxquotes") {
    const address = await (await openFxQuotes(ctx)).getAddress();
    return { address, label: FX_QUOTES_KEY, shown: `${FX_QUOTES_KEY} (${address})` };
  }
  const address = parseAddress(text, "--spender");
  return { address, label: address, shown: address };
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
      .addParam("spender", "`escrow` for the DvP escrow, `fxquotes` for FxQuotes (quoted FX payments), or an address")
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
        () => out.line(`${owner} allows ${spender.shown} ${leg.fmt(allowance)}`));
    }));
  }
}
