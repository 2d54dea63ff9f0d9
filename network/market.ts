import fs from "fs";
import os from "os";
import path from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { HDNodeWallet, Mnemonic } from "ethers";
import type { Signer } from "ethers";
import { platformParams } from "../deploy/params";
import { DeploymentRecord, deployPlatform, depositTokenKey, ESCROW_KEY, issuanceDeskKey, REGISTRY_KEY, securityTokenKey } from "../lib/deployment";
import { participantId, toReference } from "../lib/format";
import { Pipeline } from "../lib/pipeline";
import { DEMO_SECURITY } from "../lib/suite";
import type { DepositToken, DvPEscrow, IssuanceDesk, ParticipantRegistry, SecurityToken } from "../typechain-types";
import { DEV_MNEMONIC } from "./genesis";

/** Gas limit for set-up transactions sent before the ones they depend on are mined (gas is free). */
const SETUP_GAS = 500_000n;

/** A deployed suite with onboarded, funded participants: what the fault tests and `bench:qbft` drive. */
export interface Market {
  record: DeploymentRecord;
  registry: ParticipantRegistry;
  usd: DepositToken;
  shares: SecurityToken;
  escrow: DvPEscrow;
  /** Participant wallets (development keys), each onboarded, holding cash and securities, escrow approved. */
  wallets: HDNodeWallet[];
  /** The development duty holders: admin, compliance, issuer, reserve. */
  duties: { admin: Signer; compliance: Signer; issuer: Signer; reserve: Signer };
}

/** Participant wallets of the development mnemonic, on a path of their own (m/44'/60'/2'/0/i). */
export function participantWallets(count: number): HDNodeWallet[] {
  const mnemonic = Mnemonic.fromPhrase(DEV_MNEMONIC);
  return Array.from({ length: count }, (_, i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/2'/0/${i}`));
}

/**
 * Deploys the suite with the deployment scripts (recorded in `DEPLOYMENTS_DIR`, a temporary folder
 * unless set) and opens a market of `participants` institutions, each with `cash` smallest units of the
 * deposit token and `units` of the demo security, both approved to the escrow. Set-up transactions of
 * one signer go out back to back (lib/pipeline.ts), so a hundred participants take a few blocks.
 */
export async function openMarket(
  hre: HardhatRuntimeEnvironment,
  participants: number,
  funding: { cash: bigint; units: bigint },
  log: (line: string) => void = () => undefined,
): Promise<Market> {
  const { ethers } = hre;
  process.env.DEPLOYMENTS_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "market-"));
  const { admin, params } = await platformParams(hre);
  const record = await deployPlatform(hre, admin, params, { persist: true, log });
  const [, compliance, issuer, reserve] = await ethers.getSigners();
  const at = async <C>(name: string, key: string) => (await ethers.getContractAt(name, record.contracts[key].address)) as unknown as C;
  const registry = await at<ParticipantRegistry>("ParticipantRegistry", REGISTRY_KEY);
  const usd = await at<DepositToken>("DepositToken", depositTokenKey("USD"));
  const desk = await at<IssuanceDesk>("IssuanceDesk", issuanceDeskKey("USD"));
  const shares = await at<SecurityToken>("SecurityToken", securityTokenKey(DEMO_SECURITY.isin));
  const escrow = await at<DvPEscrow>("DvPEscrow", ESCROW_KEY);
  const wallets = participantWallets(participants).map((w) => w.connect(ethers.provider));

  const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
  const onboarding = new Pipeline(compliance);
  for (const w of wallets) {
    if ((await registry.participantOf(w.address)) !== ethers.ZeroHash) continue;
    await onboarding.send(`onboard ${w.address}`, { ...(await registry.onboard.populateTransaction(participantId(`MARKET-${w.address}`), [w.address], expiry)), gasLimit: SETUP_GAS });
  }
  await onboarding.mined();
  const supply = await usd.totalSupply();
  const needed = supply + funding.cash * BigInt(participants);
  if ((await desk.availableReserves()) < needed) {
    const asOf = (await ethers.provider.getBlock("latest"))!.timestamp;
    await (await desk.connect(reserve).attestReserves(needed, toReference(`market-reserves-${needed}-${asOf}`), asOf)).wait();
  }
  // The market's seed amounts are far above the development limits: the admin lets one officer issue them.
  const seed = funding.cash * BigInt(participants);
  const [threshold, redemptionThreshold, window] = await desk.limits();
  if (threshold < funding.cash) await (await desk.connect(admin).setLimits(funding.cash, redemptionThreshold, window)).wait();
  const officer = await desk.officerAllowance(issuer.address);
  if (officer.allowance < officer.used + seed) {
    await (await desk.connect(admin).setOfficerAllowance(issuer.address, officer.used + seed)).wait();
  }
  const issuing = new Pipeline(issuer);
  for (const w of wallets) {
    const cash = funding.cash - (await usd.balanceOf(w.address));
    if (cash > 0n) {
      await issuing.send(`mint to ${w.address}`, { ...(await desk.mint.populateTransaction(w.address, cash, toReference(`market-${w.address}-${Date.now()}`))), gasLimit: SETUP_GAS });
    }
    const units = funding.units - (await shares.balanceOf(w.address));
    if (units > 0n) await issuing.send(`issue to ${w.address}`, { ...(await shares.issue.populateTransaction(w.address, units)), gasLimit: SETUP_GAS });
  }
  const approving = wallets.map((w) => new Pipeline(w));
  for (const [i, w] of wallets.entries()) {
    for (const token of [usd, shares]) {
      if ((await token.allowance(w.address, escrow.target)) === ethers.MaxUint256) continue;
      await approving[i].send(`approve escrow for ${w.address}`, { ...(await token.approve.populateTransaction(escrow.target, ethers.MaxUint256)), gasLimit: SETUP_GAS, gasPrice: 0n, type: 0 });
    }
  }
  await Promise.all([issuing.mined(), ...approving.map((p) => p.mined())]);
  return { record, registry, usd, shares, escrow, wallets, duties: { admin, compliance, issuer, reserve } };
}
