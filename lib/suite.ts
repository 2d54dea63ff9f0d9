import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import type { DepositToken, ParticipantRegistry } from "../typechain-types";

/** One deposit token to deploy: an ISO 4217 currency and its minor unit. */
export interface CurrencyConfig {
  code: string;
  name: string;
  symbol: string;
  decimals: number;
}

/** Who holds which duty. Each role is granted to exactly the address named here. */
export interface RoleHolders {
  compliance: string;
  issuer: string;
  reserve: string;
  pauser: string;
  upgrader: string;
}

export interface SuiteConfig {
  /** Signs the deployment and becomes the default admin of every contract. */
  admin: Signer;
  roles: RoleHolders;
  currencies: CurrencyConfig[];
  /** Seconds a default-admin transfer must wait before it can be accepted. */
  adminDelay: number;
}

export interface Suite {
  registry: ParticipantRegistry;
  tokens: Record<string, DepositToken>;
}

/** The currencies the bank issues, USD first. Decimals are the ISO 4217 minor units. */
export const CURRENCIES: Record<string, CurrencyConfig> = {
  USD: { code: "USD", name: "USD Deposit Token", symbol: "USDD", decimals: 2 },
  EUR: { code: "EUR", name: "EUR Deposit Token", symbol: "EURD", decimals: 2 },
  GBP: { code: "GBP", name: "GBP Deposit Token", symbol: "GBPD", decimals: 2 },
};

export async function deployRegistry(
  hre: HardhatRuntimeEnvironment,
  admin: Signer,
  adminDelay: number,
): Promise<ParticipantRegistry> {
  const factory = await hre.ethers.getContractFactory("ParticipantRegistry", admin);
  const proxy = await hre.upgrades.deployProxy(factory, [await admin.getAddress(), adminDelay], { kind: "uups" });
  await proxy.waitForDeployment();
  return hre.ethers.getContractAt("ParticipantRegistry", await proxy.getAddress(), admin);
}

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

/** Deploys the registry and one deposit token per currency, and grants each duty to its holder. */
export async function deploySuite(hre: HardhatRuntimeEnvironment, config: SuiteConfig): Promise<Suite> {
  const registry = await deployRegistry(hre, config.admin, config.adminDelay);
  const registryAddress = await registry.getAddress();
  await (await registry.grantRole(await registry.COMPLIANCE_ROLE(), config.roles.compliance)).wait();
  await (await registry.grantRole(await registry.UPGRADER_ROLE(), config.roles.upgrader)).wait();
  const tokens: Record<string, DepositToken> = {};
  for (const currency of config.currencies) {
    const token = await deployDepositToken(hre, config.admin, registryAddress, currency, config.adminDelay);
    const grants: [Promise<string>, string][] = [
      [token.ISSUER_ROLE(), config.roles.issuer],
      [token.RESERVE_ROLE(), config.roles.reserve],
      [token.COMPLIANCE_ROLE(), config.roles.compliance],
      [token.PAUSER_ROLE(), config.roles.pauser],
      [token.UPGRADER_ROLE(), config.roles.upgrader],
    ];
    for (const [role, holder] of grants) {
      await (await token.grantRole(await role, holder)).wait();
    }
    tokens[currency.code] = token;
  }
  return { registry, tokens };
}
