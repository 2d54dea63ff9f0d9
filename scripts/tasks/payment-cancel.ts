import type { Signer } from "ethers";
import type { CommonArgs } from "../../lib/cli/context";
import { out } from "../../lib/cli/output";
import { paymentNonce, signCancellation } from "../../lib/payments";
import { action } from "./command";
import { openToken, paymentCommand, readPaymentFile } from "./payments";

paymentCommand("payment:cancel", "Cancel an unused signed payment: the payer signs the cancellation of its nonce and submits it")
  .addOptionalParam("file", "the signed-payment file to cancel (its payer signs the cancellation)")
  .addOptionalParam("nonce", "instead of --file: the nonce to cancel, decimal or 0x hex, of the payer given with --from")
  .setAction(action<CommonArgs & { currency: string; file?: string; nonce?: string }>(async (args, ctx) => {
    const { t, domain } = await openToken(ctx, args.currency);
    if (args.file !== undefined && args.nonce !== undefined) throw new Error("give --file or --nonce, not both");
    let payer: Signer;
    let nonce: string;
    if (args.file !== undefined) {
      const p = readPaymentFile(args.file, "--file", t, ctx.record.chainId.toString(), domain);
      payer = ctx.args.from ? await ctx.signer() : await ctx.account(p.from, `the payer of ${args.file}`);
      const address = await payer.getAddress();
      if (address !== p.from) throw new Error(`${args.file} was signed by ${p.from}: only its payer may cancel it, not ${address}`);
      nonce = p.nonce;
    } else if (args.nonce !== undefined) {
      if (!ctx.args.from) throw new Error("--nonce needs --from: the payer whose nonce it is");
      if (args.nonce.trim() === "") throw new Error("--nonce is empty");
      nonce = paymentNonce(args.nonce, "--nonce");
      payer = await ctx.signer();
    } else {
      throw new Error("give --file (a signed-payment file) or --nonce with --from (the payer)");
    }
    const authorizer = await payer.getAddress();
    if (await t.contract.authorizationState(authorizer, nonce)) {
      throw new Error(`nonce ${nonce} of ${authorizer} is already used: its signed payment has settled or was cancelled; nothing was sent`);
    }
    const c = await signCancellation(payer, domain, nonce);
    await ctx.send(`cancel nonce ${nonce} of ${authorizer}`, t.contract.connect(payer).cancelAuthorization, [c.authorizer, c.nonce, c.v, c.r, c.s], t);
    ctx.report({ authorizer, nonce, token: t.address, cancelled: true },
      () => out.line(`nonce ${nonce} of ${authorizer} cancelled: no payment signed with it can settle`));
  }));
