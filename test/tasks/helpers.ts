import { expect } from "chai";
import fs from "fs";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { setOutput } from "../../lib/cli/output";
import {
  deployPlatform, deploymentPath, PlatformParams, depositTokenKey, ESCROW_KEY, issuanceDeskKey, openRecorded, REGISTRY_KEY, securityTokenKey,
  writeDeployment,
} from "../../lib/deployment";
import { participantId } from "../../lib/format";
import { DEVELOPMENT_SECOND_ISSUER, GUARDIAN_ACCOUNT } from "../../deploy/params";
import { CURRENCIES, CurrencyConfig, DEMO_SECURITY, DEVELOPMENT_LIMITS } from "../../lib/suite";
import type { DepositToken, DvPEscrow, IssuanceDesk, ParticipantRegistry, SecurityToken } from "../../typechain-types";

export const ACME_LEI = "5493001KJTIIGC8Y1R12";
export const GLOBEX_LEI = "529900T8BM49AURSDO55";

export interface Run {
  lines: string[];
  errors: string[];
  exitCode: number;
}

/** Runs a command through Hardhat's task runner, capturing what it prints and its exit code. */
export async function run(name: string, args: Record<string, unknown> = {}): Promise<Run> {
  const lines: string[] = [];
  const errors: string[] = [];
  const previous = setOutput({ line: (t) => lines.push(t), error: (t) => errors.push(t) });
  process.exitCode = 0;
  try {
    await hre.run(name, { json: false, ...args });
  } finally {
    setOutput(previous);
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { lines, errors, exitCode };
}

/** The printed output of a command that succeeded. */
export function ok(r: Run): string {
  expect(r.errors, r.errors.join("\n")).to.deep.equal([]);
  expect(r.exitCode).to.equal(0);
  return r.lines.join("\n");
}

/** The one error line of a command that failed with exit code 1. */
export function failed(r: Run): string {
  expect(r.exitCode).to.equal(1);
  expect(r.errors).to.have.length(1);
  return r.errors[0];
}

export { useTemporaryDeployments } from "../helpers/temporary";

/** loadFixture, then the deployment file that belongs to the restored chain state. */
export async function load<T extends { record: Parameters<typeof writeDeployment>[0] }>(fixture: () => Promise<T>): Promise<T> {
  const f = await loadFixture(fixture);
  writeDeployment(f.record);
  return f;
}

/** The development accounts of the tests: the admin, one account per duty, the clients. */
async function accounts() {
  const signers = await ethers.getSigners();
  const [admin, compliance, issuer, reserve, pauser, upgrader, acme, globex, outsider] = signers;
  const secondIssuer = signers[DEVELOPMENT_SECOND_ISSUER];
  const guardian = signers[GUARDIAN_ACCOUNT];
  return { admin, compliance, issuer, secondIssuer, reserve, pauser, upgrader, guardian, acme, globex, outsider };
}

/** The parameters `npm run deploy` uses on a development network, with the given currencies. */
export async function developmentParams(currencies: CurrencyConfig[]): Promise<PlatformParams> {
  const { compliance, issuer, secondIssuer, reserve, pauser, upgrader, guardian } = await accounts();
  return {
    currencies,
    securities: [DEMO_SECURITY],
    escrow: true,
    roles: {
      compliance: compliance.address, issuer: issuer.address, secondIssuer: secondIssuer.address, reserve: reserve.address,
      pauser: pauser.address, upgrader: upgrader.address, guardian: guardian.address,
    },
    limits: DEVELOPMENT_LIMITS,
    adminDelay: 60,
    upgradeDelay: 3600,
    compliance,
  };
}

/** Deploys and records the platform with the given currencies, and opens its contracts. */
async function deployedWith(currencies: CurrencyConfig[]) {
  const a = await accounts();
  fs.rmSync(deploymentPath("hardhat"), { force: true });
  const record = await deployPlatform(hre, a.admin, await developmentParams(currencies), { persist: true, log: () => undefined });
  const registry = await openRecorded<ParticipantRegistry>(hre, record, REGISTRY_KEY);
  const usd = await openRecorded<DepositToken>(hre, record, depositTokenKey("USD"));
  const desk = await openRecorded<IssuanceDesk>(hre, record, issuanceDeskKey("USD"));
  const shares = await openRecorded<SecurityToken>(hre, record, securityTokenKey(DEMO_SECURITY.isin));
  const escrow = await openRecorded<DvPEscrow>(hre, record, ESCROW_KEY);
  return { record, registry, usd, desk, shares, escrow, ...a };
}

/** The platform deployed as `npm run deploy` does it, one account per duty, recorded for the commands. */
export async function deployed() {
  return deployedWith([CURRENCIES.USD]);
}

/**
 * The platform in three currencies of different minor units: USD (2 decimals), JPY (0) and KWD (3), the two
 * institutions onboarded and reserves of 5,000,000 attested in JPY and KWD.
 */
export async function multiCurrency() {
  const f = await deployedWith([CURRENCIES.USD, CURRENCIES.JPY, CURRENCIES.KWD]);
  const expiry = (await time.latest()) + 365 * 86400;
  await f.registry.connect(f.compliance).onboard(participantId(ACME_LEI), [f.acme.address], expiry);
  await f.registry.connect(f.compliance).onboard(participantId(GLOBEX_LEI), [f.globex.address], expiry);
  const jpy = await openRecorded<DepositToken>(hre, f.record, depositTokenKey("JPY"));
  const kwd = await openRecorded<DepositToken>(hre, f.record, depositTokenKey("KWD"));
  const jpyDesk = await openRecorded<IssuanceDesk>(hre, f.record, issuanceDeskKey("JPY"));
  const kwdDesk = await openRecorded<IssuanceDesk>(hre, f.record, issuanceDeskKey("KWD"));
  await jpyDesk.connect(f.reserve).attestReserves(ethers.parseUnits("5000000", 0), ethers.id("report-jpy-1"), await time.latest());
  await kwdDesk.connect(f.reserve).attestReserves(ethers.parseUnits("5000000", 3), ethers.id("report-kwd-1"), await time.latest());
  return { ...f, jpy, kwd, jpyDesk, kwdDesk };
}

/** Two onboarded institutions, reserves attested and 1,000,000.00 issued to Acme (USD unless told). */
export async function funded(currencies = [CURRENCIES.USD]) {
  const f = await deployedWith(currencies);
  const expiry = (await time.latest()) + 365 * 86400;
  await f.registry.connect(f.compliance).onboard(participantId(ACME_LEI), [f.acme.address], expiry);
  await f.registry.connect(f.compliance).onboard(participantId(GLOBEX_LEI), [f.globex.address], expiry);
  await f.desk.connect(f.reserve).attestReserves(ethers.parseUnits("5000000", 2), ethers.id("report-1"), await time.latest());
  await f.desk.connect(f.issuer).mint(f.acme.address, ethers.parseUnits("1000000", 2), ethers.id("seed"));
  return f;
}

/**
 * Payment versus payment: `funded` with a EUR deposit token as well (listed in the escrow), EUR reserves
 * attested and 1,000,000.00 EUR issued to Globex; Acme holds 1,000,000.00 USD.
 */
export async function fundedInTwoCurrencies() {
  const f = await funded([CURRENCIES.USD, CURRENCIES.EUR]);
  const eur = await openRecorded<DepositToken>(hre, f.record, depositTokenKey("EUR"));
  const eurDesk = await openRecorded<IssuanceDesk>(hre, f.record, issuanceDeskKey("EUR"));
  await eurDesk.connect(f.reserve).attestReserves(ethers.parseUnits("5000000", 2), ethers.id("report-eur-1"), await time.latest());
  await eurDesk.connect(f.issuer).mint(f.globex.address, ethers.parseUnits("1000000", 2), ethers.id("seed-eur"));
  return { ...f, eur, eurDesk };
}
