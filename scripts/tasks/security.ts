import { CommonArgs } from "../../lib/cli/context";
import { amountsJson, out } from "../../lib/cli/output";
import { parseAddress, parseAmount } from "../../lib/format";
import { action, command } from "./command";

interface SecurityArgs extends CommonArgs { isin?: string; units: string; wallet: string }

for (const [name, method, description] of [
  ["security:issue", "issue", "Issue units of a security token to a wallet (the issuer agent)"],
  ["security:redeem", "redeem", "Redeem (burn) units of a security token from a wallet (the issuer agent)"],
] as const) {
  command(name, description)
    .addParam("wallet", method === "issue" ? "wallet credited" : "wallet debited")
    .addParam("units", "units of the security, e.g. 5000")
    .addOptionalParam("isin", "ISIN of the security token (default: the only one deployed)")
    .setAction(action<SecurityArgs>(async (args, ctx) => {
      const security = await ctx.security(args.isin);
      const wallet = parseAddress(args.wallet, "--wallet");
      const units = parseAmount(args.units, security.decimals, "--units");
      const signer = await ctx.signer(security.contract, "ISSUER_ROLE", security.label);
      const contract = security.contract.connect(signer);
      await ctx.send(`${method} ${security.fmt(units)} ${method === "issue" ? "to" : "from"} ${wallet}`, contract[method], [wallet, units], security);
      const balance = await security.contract.balanceOf(wallet);
      ctx.report({ wallet, isin: await security.contract.isin(), ...amountsJson(security.fmt, { units, balance }) },
        () => out.line(`${wallet} now holds ${security.fmt(balance)}`));
    }));
}

command("security:balance", "Show a wallet's holding of a security token")
  .addParam("wallet", "wallet")
  .addOptionalParam("isin", "ISIN of the security token (default: the only one deployed)")
  .setAction(action<CommonArgs & { wallet: string; isin?: string }>(async (args, ctx) => {
    const security = await ctx.security(args.isin);
    const wallet = parseAddress(args.wallet, "--wallet");
    const balance = await security.contract.balanceOf(wallet);
    ctx.report({ wallet, ...amountsJson(security.fmt, { balance }) }, () => out.line(`${wallet}: ${security.fmt(balance)}`));
  }));
