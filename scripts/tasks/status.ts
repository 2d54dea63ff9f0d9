import { CommonArgs } from "../../lib/cli/context";
import { amountsJson, out } from "../../lib/cli/output";
import { ESCROW_KEY, recordedKeys } from "../../lib/deployment";
import { backingPercent, formatAge, isoDate, percentText } from "../../lib/format";
import { decodeQbftExtraData } from "../../network/genesis";
import { action, command } from "./command";

interface CurrencyStatus {
  currency: string;
  address: string;
  paused: boolean;
  /** Amounts in the smallest unit, each with its formatted text under name + "Text". */
  supply: string;
  supplyText: string;
  /** The last report's amount less the payouts since its cut-off. */
  reserves: string;
  reservesText: string;
  attestedAmount: string;
  attestedAmountText: string;
  paidOutSinceAsOf: string;
  paidOutSinceAsOfText: string;
  headroom: string;
  headroomText: string;
  pendingRedemptions: string;
  pendingRedemptionsText: string;
  holders: number;
  reportHash: string;
  /** The report's cut-off (unix seconds, 0: never attested); its age counts from here. */
  asOf: number;
  /** When the report was submitted. */
  attestedAt: number;
  /** Recorded reserves / supply in percent, e.g. 100.5 (null with no supply); the text shows it as "100.50%". */
  backingPercent: number | null;
  /** Seconds since the last report's cut-off at the chain head. */
  attestationAge: number;
  maxAttestationAge: number;
  /** Issuance is refused until a new attestation. */
  stale: boolean;
  /** Recorded reserves below supply: issuance is refused until they cover it. */
  underBacked: boolean;
  /** Dual control: issuance and redemption payouts above these need two officers. */
  issuanceThreshold: string;
  issuanceThresholdText: string;
  redemptionThreshold: string;
  redemptionThresholdText: string;
  /** Proposals waiting for a second officer. */
  pendingProposals: number;
}

command("status", "Where things stand: per currency supply, reserves, headroom, pending redemptions, holders; escrow locked value; network head and validators")
  .setAction(action<CommonArgs>(async (_args, ctx, hre) => {
    const currencies: CurrencyStatus[] = [];
    const now = (await hre.ethers.provider.getBlock("latest"))!.timestamp;
    for (const { key, name } of recordedKeys(ctx.record, "DepositToken")) {
      const t = await ctx.depositToken(name);
      const token = t.contract;
      const supply = await token.totalSupply();
      const desk = await ctx.issuanceDesk(name);
      const attestation = await desk.attestation();
      const asOf = Number(attestation.asOf);
      const reserves = await desk.availableReserves();
      const paidOut = attestation.amount - reserves;
      const pending = await token.pendingRedemptions();
      const maxAge = Number(await desk.maxAttestationAge());
      const age = now - asOf;
      const [issuanceThreshold, redemptionThreshold] = await desk.limits();
      let pendingProposals = 0;
      for (let id = 1n; id <= (await desk.proposalCount()); id++) if (Number((await desk.proposal(id)).status) === 1) pendingProposals++;
      const transfers = await token.queryFilter(token.filters.Transfer(), ctx.fromBlock(key));
      const candidates = new Set<string>();
      for (const e of transfers) candidates.add(e.args.to);
      candidates.delete(hre.ethers.ZeroAddress);
      candidates.delete(t.address);
      let holders = 0;
      for (const c of candidates) if ((await token.balanceOf(c)) > 0n) holders++;
      currencies.push({
        currency: t.label, address: t.address, paused: await token.paused(),
        ...(amountsJson(t.fmt, {
          supply, reserves, attestedAmount: attestation.amount, paidOutSinceAsOf: paidOut, headroom: await desk.mintHeadroom(),
          pendingRedemptions: pending, issuanceThreshold, redemptionThreshold,
        }) as Pick<CurrencyStatus, "supply" | "supplyText" | "reserves" | "reservesText" | "attestedAmount" | "attestedAmountText"
          | "paidOutSinceAsOf" | "paidOutSinceAsOfText" | "headroom" | "headroomText" | "pendingRedemptions" | "pendingRedemptionsText"
          | "issuanceThreshold" | "issuanceThresholdText" | "redemptionThreshold" | "redemptionThresholdText">),
        holders, reportHash: attestation.reportHash, asOf, attestedAt: Number(attestation.attestedAt),
        backingPercent: backingPercent(reserves, supply), attestationAge: age, maxAttestationAge: maxAge, stale: age > maxAge,
        underBacked: reserves < supply, pendingProposals,
      });
    }
    const locked: Record<string, string>[] = [];
    let escrowAddress: string | undefined;
    if (ctx.record.contracts[ESCROW_KEY]) {
      const escrow = await ctx.escrow();
      escrowAddress = await escrow.getAddress();
      for (const { entry } of [...recordedKeys(ctx.record, "DepositToken"), ...recordedKeys(ctx.record, "SecurityToken")]) {
        const leg = await ctx.leg(entry.address);
        locked.push({ token: leg.label, address: leg.address, ...amountsJson(leg.fmt, { locked: await escrow.lockedBalance(leg.address) }) });
      }
    }
    const head = await hre.ethers.provider.getBlock("latest");
    let validators: string[] | undefined;
    try {
      // a QBFT block header carries the validator set (the istanbul API is not served over HTTP)
      validators = decodeQbftExtraData(head!.extraData).validators;
    } catch {
      validators = undefined; // not a QBFT chain (the in-process network)
    }
    const network = { name: hre.network.name, chainId: ctx.record.chainId, head: head!.number, headTime: head!.timestamp, validators };
    ctx.report({ network, currencies, escrow: escrowAddress ? { address: escrowAddress, locked } : undefined }, () => {
      out.line(`network ${network.name} (chain id ${network.chainId}), head block ${network.head}`);
      out.line(`  validators: ${validators ? validators.join(", ") : "n/a (not a QBFT network)"}`);
      for (const c of currencies) {
        out.line(`${c.currency} deposit token ${c.address}${c.paused ? " (PAUSED)" : ""}`);
        out.line(`  supply               ${c.supplyText}`);
        out.line(`  reserves             ${c.reservesText} (${c.attestedAmountText} attested less ${c.paidOutSinceAsOfText} paid out since the cut-off)`);
        out.line(`  backing              ${percentText(c.backingPercent)}${c.underBacked ? " UNDER-BACKED: issuance refused" : ""}`);
        out.line(`  reserve report       ${c.asOf === 0 ? "never attested" : `as of ${isoDate(c.asOf)} (submitted ${isoDate(c.attestedAt)}), age ${formatAge(c.attestationAge)} (max ${formatAge(c.maxAttestationAge)})${c.stale ? " STALE: issuance refused" : ""}`}`);
        out.line(`  dual control above   ${c.issuanceThresholdText} (issuance), ${c.redemptionThresholdText} (redemption payouts); ${c.pendingProposals} proposals waiting`);
        out.line(`  headroom             ${c.headroomText}`);
        out.line(`  pending redemptions  ${c.pendingRedemptionsText}`);
        out.line(`  holders              ${c.holders}`);
      }
      if (escrowAddress) {
        out.line(`DvP escrow ${escrowAddress}, locked for open trades:`);
        for (const l of locked) out.line(`  ${l.token.padEnd(20)} ${l.lockedText}`);
      }
    });
  }));
