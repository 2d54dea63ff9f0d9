import type { CommonArgs } from "../../lib/cli/context";
import { out } from "../../lib/cli/output";
import { issuanceDeskKey } from "../../lib/deployment";
import { action } from "./command";
import { tokenCommand } from "./token";

const DAY = 86400;

tokenCommand("token:set-max-attestation-age", "Set how old the last reserve report may be before issuance stops (admin)")
  .addParam("days", "whole days, at least 1")
  .setAction(action<CommonArgs & { currency: string; days: string }>(async (args, ctx) => {
    const t = await ctx.depositToken(args.currency);
    const desk = await ctx.issuanceDesk(args.currency);
    const key = issuanceDeskKey(t.label);
    const text = args.days.trim();
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 36500) throw new Error(`--days "${args.days}" is not a whole number of days from 1 to 36500`);
    const days = Number(text);
    const previous = Number(await desk.maxAttestationAge());
    const signer = await ctx.signer(desk, "DEFAULT_ADMIN_ROLE", key);
    await ctx.send(`set the maximum attestation age of ${key} to ${days} days`, desk.connect(signer).setMaxAttestationAge, [days * DAY], t);
    ctx.report({ contract: key, maxAttestationAge: days * DAY, days, previous, previousDays: previous / DAY },
      () => out.line(`${key}: issuance stops once the last reserve report is older than ${days} days (was ${previous / DAY} days)`));
  }));
