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
import { currencyOf } from "../lib/currencies";
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
  /** Every deposit token of the market by currency code (USD and those `funding.currencies` adds). */
  cash: Record<string, DepositToken>;
  shares: SecurityToken;
  escrow: DvPEscrow;
  /** Participant wallets (development keys), each onboarded, holding cash in every currency and securities, escrow approved. */
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
 * unless set) and opens a market of `participants` institutions, each with `cash` smallest units of
 * every deposit token (USD, and the deployment's other currencies and `currencies` added to it) and
 * `units` of the demo security, all approved to the escrow. Set-up transactions of one signer go out back
 * to back (lib/pipeline.ts), so a hundred participants take a few blocks.
 */
export async function openMarket(
  hre: HardhatRuntimeEnvironment,
  participants: number,
  funding: { cash: bigint; units: bigint; currencies?: string[] },
  log: (line: string) => void = () => undefined,
): Promise<Market> {
  const { ethers } = hre;
  process.env.DEPLOYMENTS_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "market-"));
  const { admin, params } = await platformParams(hre);
  // a currency the market needs beside the deployment's is deployed with the general limits
  for (const code of funding.currencies ?? []) {
    if (!params.currencies.some((c) => c.code === code)) params.currencies = [...params.currencies, currencyOf(code, "market currency")];
  }
  const record = await deployPlatform(hre, admin, params, { persist: true, log });
  const [, compliance, issuer, reserve] = await ethers.getSigners();
  const at = async <C>(name: string, key: string) => (await ethers.getContractAt(name, record.contracts[key].address)) as unknown as C;
  const registry = await at<ParticipantRegistry>("ParticipantRegistry", REGISTRY_KEY);
  const codes = params.currencies.map((c) => c.code);
  const cash: Record<string, DepositToken> = {};
  const desks: Record<string, IssuanceDesk> = {};
  for (const code of codes) {
    cash[code] = await at<DepositToken>("DepositToken", depositTokenKey(code));
    desks[code] = await at<IssuanceDesk>("IssuanceDesk", issuanceDeskKey(code));
  }
  const usd = cash.USD;
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
  const seed = funding.cash * BigInt(participants);
  for (const code of codes) {
    const desk = desks[code];
    const needed = (await cash[code].totalSupply()) + seed;
    if ((await desk.availableReserves()) < needed) {
      const asOf = (await ethers.provider.getBlock("latest"))!.timestamp;
      await (await desk.connect(reserve).attestReserves(needed, toReference(`market-reserves-${code}-${needed}-${asOf}`), asOf)).wait();
    }
    // The market's seed amounts are far above the development limits: the admin lets one officer issue them.
    const [threshold, redemptionThreshold, window] = await desk.limits();
    if (threshold < funding.cash) await (await desk.connect(admin).setLimits(funding.cash, redemptionThreshold, window)).wait();
    const officer = await desk.officerAllowance(issuer.address);
    if (officer.allowance < officer.used + seed) {
      await (await desk.connect(admin).setOfficerAllowance(issuer.address, officer.used + seed)).wait();
    }
  }
  const issuing = new Pipeline(issuer);
  for (const w of wallets) {
    for (const code of codes) {
      const missing = funding.cash - (await cash[code].balanceOf(w.address));
      if (missing <= 0n) continue;
      const ref = toReference(`market-${code}-${w.address}-${Date.now()}`);
      await issuing.send(`mint ${code} to ${w.address}`, { ...(await desks[code].mint.populateTransaction(w.address, missing, ref)), gasLimit: SETUP_GAS });
    }
    const units = funding.units - (await shares.balanceOf(w.address));
    if (units > 0n) await issuing.send(`issue to ${w.address}`, { ...(await shares.issue.populateTransaction(w.address, units)), gasLimit: SETUP_GAS });
  }
  const approving = wallets.map((w) => new Pipeline(w));
  for (const [i, w] of wallets.entries()) {
    for (const token of [...codes.map((code) => cash[code]), shares]) {
      if ((await token.allowance(w.address, escrow.target)) === ethers.MaxUint256) continue;
      await approving[i].send(`approve escrow for ${w.address}`, { ...(await token.approve.populateTransaction(escrow.target, ethers.MaxUint256)), gasLimit: SETUP_GAS, gasPrice: 0n, type: 0 });
    }
  }
  await Promise.all([issuing.mined(), ...approving.map((p) => p.mined())]);
  return { record, registry, usd, cash, shares, escrow, wallets, duties: { admin, compliance, issuer, reserve } };
}
