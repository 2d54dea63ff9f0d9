import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import type { DepositToken, DvPEscrow, FxQuotes, IssuanceDesk, ParticipantRegistry, SecurityToken, UpgradeTimelock } from "../typechain-types";
import { CurrencyConfig, DEVELOPMENT_LIMITS, IssuanceLimits, RoleHolders, SecurityConfig } from "./config";
import {
  deployPlatform, depositTokenKey, ESCROW_KEY, FX_QUOTES_KEY, issuanceDeskKey, openRecorded, REGISTRY_KEY, securityTokenKey, TIMELOCK_KEY,
} from "./deployment";

export { CURRENCIES, DEMO_SECURITY, DEVELOPMENT_LIMITS } from "./config";
export type { CurrencyConfig, IssuanceLimits, RoleHolders, SecurityConfig } from "./config";

export interface SuiteConfig {
  /** Signs the deployment and becomes the default admin of every contract. */
  admin: Signer;
  roles: RoleHolders;
  /** The issuance desks' thresholds, allowances and approval window (default DEVELOPMENT_LIMITS). */
  limits?: IssuanceLimits;
  currencies: CurrencyConfig[];
  /** Securities to deploy as asset legs (none by default). */
  securities?: SecurityConfig[];
  /** Deploy the DvP escrow and FxQuotes and list the tokens in them (default true). */
  escrow?: boolean;
  /**
   * The compliance officer's signer, to onboard the escrow and FxQuotes as participants. Without it they
   * are deployed but not onboarded, and the deployment says which command compliance must run.
   */
  compliance?: Signer;
  /** Seconds a default-admin transfer must wait before it can be accepted. */
  adminDelay: number;
  /** Seconds between scheduling and executing an upgrade in the timelock (default 0). */
  upgradeDelay?: number;
}

export interface Suite {
  registry: ParticipantRegistry;
  tokens: Record<string, DepositToken>;
  /** Each currency's IssuanceDesk: reserves, issuance and redemption payouts go through it. */
  desks: Record<string, IssuanceDesk>;
  securities: Record<string, SecurityToken>;
  escrow?: DvPEscrow;
  /** Quoted cross-currency payments (deployed with the escrow, every deposit token listed). */
  fxQuotes?: FxQuotes;
  /** Holds UPGRADER_ROLE on every contract; `roles.upgrader` proposes and executes. */
  timelock: UpgradeTimelock;
}

/**
 * Deploys the platform on the connected network without recording it (tests, demo, benchmarks) and
 * returns typed contracts. Same path as `npm run deploy`: `deployPlatform` in lib/deployment.ts.
 */
export async function deploySuite(hre: HardhatRuntimeEnvironment, config: SuiteConfig): Promise<Suite> {
  const record = await deployPlatform(hre, config.admin, {
    currencies: config.currencies,
    securities: config.securities ?? [],
    escrow: config.escrow ?? true,
    roles: config.roles,
    limits: config.limits ?? DEVELOPMENT_LIMITS,
    adminDelay: config.adminDelay,
    upgradeDelay: config.upgradeDelay ?? 0,
    compliance: config.compliance,
  }, { persist: false, log: () => undefined });
  const at = <T>(key: string): Promise<T> => openRecorded<T>(hre, record, key, config.admin);
  const tokens: Record<string, DepositToken> = {};
  const desks: Record<string, IssuanceDesk> = {};
  for (const c of config.currencies) {
    tokens[c.code] = await at<DepositToken>(depositTokenKey(c.code));
    desks[c.code] = await at<IssuanceDesk>(issuanceDeskKey(c.code));
  }
  const securities: Record<string, SecurityToken> = {};
  for (const s of config.securities ?? []) securities[s.isin] = await at<SecurityToken>(securityTokenKey(s.isin));
  return {
    registry: await at<ParticipantRegistry>(REGISTRY_KEY),
    tokens,
    desks,
    securities,
    escrow: record.contracts[ESCROW_KEY] ? await at<DvPEscrow>(ESCROW_KEY) : undefined,
    fxQuotes: record.contracts[FX_QUOTES_KEY] ? await at<FxQuotes>(FX_QUOTES_KEY) : undefined,
    timelock: await at<UpgradeTimelock>(TIMELOCK_KEY),
  };
}

/** Deploys one more deposit token behind a UUPS proxy (for tests of other currencies and bad input). */
export async function deployDepositToken(
  hre: HardhatRuntimeEnvironment,
  admin: Signer,
  registry: string,
  currency: CurrencyConfig,
  adminDelay: number,
): Promise<DepositToken> {
  const factory = await hre.ethers.getContractFactory("DepositToken", admin);
  const proxy = await hre.upgrades.deployProxy(
    factory,
    [currency.name, currency.symbol, currency.code, currency.decimals, registry, await admin.getAddress(), adminDelay],
    { kind: "uups" },
  );
  await proxy.waitForDeployment();
  return hre.ethers.getContractAt("DepositToken", await proxy.getAddress(), admin);
}

/** Deploys a registry alone behind its UUPS proxy (ParticipantRegistryProxy), as the deployment does (registry unit tests). */
export async function deployRegistry(
  hre: HardhatRuntimeEnvironment,
  admin: Signer,
  adminDelay: number,
): Promise<ParticipantRegistry> {
  const factory = await hre.ethers.getContractFactory("ParticipantRegistry", admin);
  const implementation = await hre.upgrades.deployImplementation(factory, { kind: "uups" });
  const initialize = factory.interface.encodeFunctionData("initialize", [await admin.getAddress(), adminDelay]);
  const proxy = await hre.ethers.deployContract("ParticipantRegistryProxy", [implementation as string, initialize], admin);
  await proxy.waitForDeployment();
  // The upgrades plugin checks later upgrades of this proxy against the implementation's layout.
  await hre.upgrades.forceImport(await proxy.getAddress(), factory, { kind: "uups" });
  return hre.ethers.getContractAt("ParticipantRegistry", await proxy.getAddress(), admin);
}
