import { CommonArgs } from "../../lib/cli/context";
import { out } from "../../lib/cli/output";
import { parseAddress, parseAmount } from "../../lib/format";
import { action, command } from "./command";
import { Settlement } from "./dvp";

interface SecurityArgs extends CommonArgs { isin?: string; units: string }

for (const [name, method, description] of [
  ["security:issue", "issue", "Issue units of a security token to a wallet (the issuer agent)"],
  ["security:redeem", "redeem", "Redeem (burn) units of a security token from a wallet (the issuer agent)"],
] as const) {
  command(name, description)
    .addParam("wallet", method === "issue" ? "wallet credited" : "wallet debited")
    .addParam("units", "units of the security, e.g. 5000")
    .addOptionalParam("isin", "ISIN of the security token (default: the only one deployed)")
    .setAction(action<SecurityArgs & { wallet: string }>(async (args, ctx) => {
      const s = await Settlement.open(ctx);
      const security = await s.security(args.isin);
      const wallet = parseAddress(args.wallet, "--wallet");
      const units = parseAmount(args.units, security.decimals, "--units");
      const signer = await ctx.signer(security.contract, "ISSUER_ROLE", security.label);
      await ctx.send(`${method} ${security.fmt(units)} ${method === "issue" ? "to" : "from"} ${wallet}`, security.contract, method, [wallet, units], signer);
      const balance = await security.contract.balanceOf(wallet);
      ctx.report({ wallet, units: units.toString(), balance: balance.toString(), isin: await security.contract.isin() },
        () => out.line(`${wallet} now holds ${security.fmt(balance)}`));
    }));
}

command("security:balance", "Show a wallet's holding of a security token")
  .addParam("wallet", "wallet")
  .addOptionalParam("isin", "ISIN of the security token (default: the only one deployed)")
  .setAction(action<CommonArgs & { wallet: string; isin?: string }>(async (args, ctx) => {
    const s = await Settlement.open(ctx);
    const security = await s.security(args.isin);
    const wallet = parseAddress(args.wallet, "--wallet");
    const balance = await security.contract.balanceOf(wallet);
    ctx.report({ wallet, balance: balance.toString(), balanceText: security.fmt(balance) }, () => out.line(`${wallet}: ${security.fmt(balance)}`));
  }));
