import { CommonArgs } from "../../lib/cli/context";
import { out } from "../../lib/cli/output";
import { ESCROW_KEY } from "../../lib/deployment";
import { Settlement } from "./dvp";
import { backingRatio, formatAge } from "../../lib/format";
import { action, command } from "./command";

interface CurrencyStatus {
  currency: string;
  address: string;
  paused: boolean;
  supply: string;
  reserves: string;
  headroom: string;
  pendingRedemptions: string;
  holders: number;
  reportHash: string;
  attestedAt: number;
  /** Recorded reserves / supply, e.g. "100.00%" ("n/a" with no supply). */
  backing: string;
  /** Seconds since the last attestation at the chain head. */
  attestationAge: number;
  maxAttestationAge: number;
  /** Issuance is refused until a new attestation. */
  stale: boolean;
  /** Recorded reserves below supply: issuance is refused until they cover it. */
  underBacked: boolean;
}

command("status", "Where things stand: per currency supply, reserves, headroom, pending redemptions, holders; escrow locked value; network head and validators")
  .setAction(action<CommonArgs>(async (_args, ctx, hre) => {
    const currencies: CurrencyStatus[] = [];
    const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
    for (const key of Object.keys(ctx.record.contracts).filter((k) => k.startsWith("DepositToken:"))) {
      const t = await ctx.depositToken(key.split(":")[1]);
      const supply = await t.token.totalSupply();
      const [reserves, reportHash, attestedAt] = await t.token.reserves();
      const pending = await t.token.pendingRedemptions();
      const maxAge = Number(await t.token.maxAttestationAge());
      const age = now - Number(attestedAt);
      const transfers = await t.token.queryFilter(t.token.filters.Transfer(), ctx.record.contracts[key].block);
      const candidates = new Set<string>();
      for (const e of transfers) candidates.add(e.args.to);
      candidates.delete(hre.ethers.ZeroAddress);
      candidates.delete(await t.token.getAddress());
      let holders = 0;
      for (const c of candidates) if ((await t.token.balanceOf(c)) > 0n) holders++;
      currencies.push({
        currency: t.code, address: await t.token.getAddress(), paused: await t.token.paused(),
        supply: t.fmt(supply), reserves: t.fmt(reserves), headroom: t.fmt(await t.token.mintHeadroom()),
        pendingRedemptions: t.fmt(pending), holders, reportHash, attestedAt: Number(attestedAt),
        backing: backingRatio(reserves, supply), attestationAge: age, maxAttestationAge: maxAge, stale: age > maxAge,
        underBacked: reserves < supply,
      });
    }
    const locked: { token: string; address: string; locked: string }[] = [];
    let escrowAddress: string | undefined;
    if (ctx.record.contracts[ESCROW_KEY]) {
      const s = await Settlement.open(ctx);
      escrowAddress = s.address;
      for (const key of Object.keys(ctx.record.contracts).filter((k) => /^(DepositToken|SecurityToken):/.test(k))) {
        const leg = await s.leg(ctx.record.contracts[key].address);
        locked.push({ token: leg.label, address: leg.address, locked: leg.fmt(await s.escrow.lockedBalance(leg.address)) });
      }
    }
    const head = await hre.ethers.provider.getBlock("latest");
    let validators: string[] | undefined;
    try {
      validators = (await hre.ethers.provider.send("istanbul_getValidators", ["latest"])) as string[];
    } catch {
      validators = undefined; // not a QBFT node (the in-process network)
    }
    const network = { name: hre.network.name, chainId: ctx.record.chainId, head: head!.number, headTime: head!.timestamp, validators };
    ctx.report({ network, currencies, escrow: escrowAddress ? { address: escrowAddress, locked } : undefined }, () => {
      out.line(`network ${network.name} (chain id ${network.chainId}), head block ${network.head}`);
      out.line(`  validators: ${validators ? validators.join(", ") : "n/a (not a QBFT network)"}`);
      for (const c of currencies) {
        out.line(`${c.currency} deposit token ${c.address}${c.paused ? " (PAUSED)" : ""}`);
        out.line(`  supply               ${c.supply}`);
        out.line(`  reserves             ${c.reserves} (attested minus paid out since)`);
        out.line(`  backing              ${c.backing}${c.underBacked ? " UNDER-BACKED: issuance refused" : ""}`);
        out.line(`  attestation age      ${c.attestedAt === 0 ? "never attested" : `${formatAge(c.attestationAge)} (max ${formatAge(c.maxAttestationAge)})${c.stale ? " STALE: issuance refused" : ""}`}`);
        out.line(`  headroom             ${c.headroom}`);
        out.line(`  pending redemptions  ${c.pendingRedemptions}`);
        out.line(`  holders              ${c.holders}`);
      }
      if (escrowAddress) {
        out.line(`DvP escrow ${escrowAddress}, locked for open trades:`);
        for (const l of locked) out.line(`  ${l.token.padEnd(20)} ${l.locked}`);
      }
    });
  }));
