import fs from "fs";
import path from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse, Signer } from "ethers";
import type { DvPEscrow, ParticipantRegistry, PermissionedToken } from "../typechain-types";
import { CURRENCIES, CurrencyConfig, RoleHolders, SecurityConfig } from "./config";

/** A deployed proxy as recorded in deployments/<network>.json. */
export interface ContractRecord {
  address: string;
  implementation: string;
  txHash: string;
  block: number;
}

/** A completed configuration transaction (role grant, onboarding, listing). */
export interface StepRecord {
  txHash: string;
  block: number;
}

/** deployments/<network>.json: what the deployment made, so re-runs reuse it and commands find it. */
export interface DeploymentRecord {
  network: string;
  chainId: number;
  contracts: Record<string, ContractRecord>;
  steps: Record<string, StepRecord>;
}

export interface PlatformParams {
  currencies: CurrencyConfig[];
  securities: SecurityConfig[];
  /** Deploy the DvP escrow, onboard it and list every token in it. */
  escrow: boolean;
  roles: RoleHolders;
  adminDelay: number;
  /**
   * Seconds between scheduling and executing an upgrade in the timelock that holds UPGRADER_ROLE on every
   * contract (0 on development networks). `roles.upgrader` proposes and executes through it.
   */
  upgradeDelay: number;
  /** Signs the escrow's onboarding when the deployer controls the compliance key (development networks). */
  compliance?: Signer;
}

export interface DeployOptions {
  /** Write deployments/<network>.json (npm run deploy); tests and the demo deploy without a record. */
  persist: boolean;
  log: (line: string) => void;
}

export const REGISTRY_KEY = "ParticipantRegistry";
/** The timelock controller that holds UPGRADER_ROLE on every contract. */
export const TIMELOCK_KEY = "UpgradeTimelock";
export const ESCROW_KEY = "DvPEscrow";
/** Participant id of the escrow in the registry: it holds locked legs, so it is onboarded like a client. */
export const ESCROW_PARTICIPANT = "DVP-ESCROW";
/** The escrow's KYC expiry: it is the bank's own contract; compliance can still suspend it. */
const ESCROW_KYC_YEARS = 100;

/** Where deployment records live: deployments/ at the project root, or DEPLOYMENTS_DIR. */
export function deploymentsDir(): string {
  return process.env.DEPLOYMENTS_DIR ?? path.join(__dirname, "..", "deployments");
}

export function deploymentPath(network: string): string {
  return path.join(deploymentsDir(), `${network}.json`);
}

/** Reads deployments/<network>.json, or explains in one line that there is none. */
export function readDeployment(network: string): DeploymentRecord {
  const file = deploymentPath(network);
  if (!fs.existsSync(file)) {
    throw new Error(`no deployment for network "${network}": ${path.relative(process.cwd(), file)} does not exist (run npm run deploy -- --network ${network})`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord;
}

/** Writes deployments/<network>.json atomically. */
export function writeDeployment(record: DeploymentRecord): void {
  fs.mkdirSync(deploymentsDir(), { recursive: true });
  const file = deploymentPath(record.network);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** Contract name in the record for a currency's deposit token. */
export const depositTokenKey = (code: string) => `DepositToken:${code}`;
/** Contract name in the record for a security token. */
export const securityTokenKey = (isin: string) => `SecurityToken:${isin}`;

/**
 * Deploys the platform to the connected network, or finishes what an earlier run left undone: every
 * contract already recorded (and still holding code) is reused, every role or registration already in
 * place on chain is skipped. Refuses a network whose chain id differs from the recorded one.
 */
export async function deployPlatform(
  hre: HardhatRuntimeEnvironment,
  admin: Signer,
  params: PlatformParams,
  options: DeployOptions = { persist: true, log: console.log },
): Promise<DeploymentRecord> {
  const { ethers, upgrades } = hre;
  const { log } = options;
  const network = hre.network.name;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const file = deploymentPath(network);
  const record: DeploymentRecord = options.persist && fs.existsSync(file)
    ? readDeployment(network)
    : { network, chainId, contracts: {}, steps: {} };
  if (record.chainId !== chainId) {
    throw new Error(`${path.relative(process.cwd(), file)} was recorded on chain id ${record.chainId}, but network "${network}" is chain id ${chainId}: refusing to mix deployments`);
  }
  const save = () => {
    if (options.persist) writeDeployment(record);
  };
  const adminAddress = await admin.getAddress();

  async function proxy(key: string, contract: string, args: unknown[]): Promise<string> {
    const known = record.contracts[key];
    if (known && (await ethers.provider.getCode(known.address)) !== "0x") {
      log(`  reuse   ${key} at ${known.address}`);
      return known.address;
    }
    const factory = await ethers.getContractFactory(contract, admin);
    const deployed = await upgrades.deployProxy(factory, args, { kind: "uups" });
    await deployed.waitForDeployment();
    const tx = deployed.deploymentTransaction();
    const receipt = tx ? await tx.wait() : null;
    const address = await deployed.getAddress();
    record.contracts[key] = {
      address,
      implementation: await upgrades.erc1967.getImplementationAddress(address),
      txHash: tx?.hash ?? "",
      block: receipt?.blockNumber ?? (await ethers.provider.getBlockNumber()),
    };
    save();
    log(`  deploy  ${key} at ${address} (block ${record.contracts[key].block})`);
    return address;
  }

  async function step(key: string, done: () => Promise<boolean>, send: () => Promise<ContractTransactionResponse>): Promise<void> {
    if (await done()) {
      log(`  skip    ${key} (already in place)`);
      return;
    }
    const tx = await send();
    const receipt = await tx.wait();
    record.steps[key] = { txHash: tx.hash, block: receipt!.blockNumber };
    save();
    log(`  done    ${key} (block ${receipt!.blockNumber})`);
  }

  async function grantAll(key: string, address: string, duties: [string, keyof RoleHolders][]): Promise<void> {
    const c = await ethers.getContractAt("AccessControlDefaultAdminRulesUpgradeable", address, admin);
    for (const [roleName, duty] of duties) {
      const role = ethers.id(roleName);
      const holder = params.roles[duty];
      await step(`grant ${roleName} on ${key} to ${holder}`, () => c.hasRole(role, holder), () => c.grantRole(role, holder));
    }
  }

  /** A plain (non-proxy) contract, recorded with itself as implementation. */
  async function plain(key: string, contract: string, args: unknown[]): Promise<string> {
    const known = record.contracts[key];
    if (known && (await ethers.provider.getCode(known.address)) !== "0x") {
      log(`  reuse   ${key} at ${known.address}`);
      return known.address;
    }
    const deployed = await (await ethers.getContractFactory(contract, admin)).deploy(...args);
    await deployed.waitForDeployment();
    const receipt = await deployed.deploymentTransaction()!.wait();
    const address = await deployed.getAddress();
    record.contracts[key] = { address, implementation: address, txHash: receipt!.hash, block: receipt!.blockNumber };
    save();
    log(`  deploy  ${key} at ${address} (block ${receipt!.blockNumber})`);
    return address;
  }

  /**
   * UPGRADER_ROLE is its own admin and starts with the deployer: hand it to the timelock, then renounce it,
   * so an upgrade is only ever a delayed, visible timelock operation.
   */
  async function handOverUpgrades(key: string, address: string): Promise<void> {
    const c = await ethers.getContractAt("AccessControlDefaultAdminRulesUpgradeable", address, admin);
    const role = ethers.id("UPGRADER_ROLE");
    await step(`grant UPGRADER_ROLE on ${key} to ${TIMELOCK_KEY} ${timelock}`, () => c.hasRole(role, timelock), () => c.grantRole(role, timelock));
    await step(`renounce UPGRADER_ROLE on ${key} by ${adminAddress}`, async () => !(await c.hasRole(role, adminAddress)),
      () => c.renounceRole(role, adminAddress));
  }

  requireSeparateDuties(params.roles);
  save();
  const timelock = await plain(TIMELOCK_KEY, "UpgradeTimelock", [params.upgradeDelay, [params.roles.upgrader], [params.roles.upgrader]]);
  const registryAddress = await proxy(REGISTRY_KEY, "ParticipantRegistry", [adminAddress, params.adminDelay]);
  await grantAll(REGISTRY_KEY, registryAddress, [["COMPLIANCE_ROLE", "compliance"]]);
  await handOverUpgrades(REGISTRY_KEY, registryAddress);
  const tokenDuties: [string, keyof RoleHolders][] = [
    ["ISSUER_ROLE", "issuer"], ["COMPLIANCE_ROLE", "compliance"], ["PAUSER_ROLE", "pauser"],
  ];

  const settled: string[] = [];
  for (const currency of params.currencies) {
    const key = depositTokenKey(currency.code);
    const address = await proxy(key, "DepositToken", [
      currency.name, currency.symbol, currency.code, currency.decimals, registryAddress, adminAddress, params.adminDelay,
    ]);
    await grantAll(key, address, [...tokenDuties, ["RESERVE_ROLE", "reserve"]]);
    await handOverUpgrades(key, address);
    settled.push(address);
  }
  for (const security of params.securities) {
    const key = securityTokenKey(security.isin);
    const address = await proxy(key, "SecurityToken", [
      security.name, security.symbol, security.isin, security.decimals, registryAddress, adminAddress, params.adminDelay,
    ]);
    await grantAll(key, address, tokenDuties);
    await handOverUpgrades(key, address);
    settled.push(address);
  }
  if (!params.escrow) return record;

  const escrowAddress = await proxy(ESCROW_KEY, "DvPEscrow", [registryAddress, adminAddress, params.adminDelay]);
  await grantAll(ESCROW_KEY, escrowAddress, [["COMPLIANCE_ROLE", "compliance"]]);
  await handOverUpgrades(ESCROW_KEY, escrowAddress);
  const escrow = (await ethers.getContractAt("DvPEscrow", escrowAddress, admin)) as unknown as DvPEscrow;
  for (const token of settled) {
    await step(`list ${token} in ${ESCROW_KEY}`, () => escrow.isListed(token), () => escrow.listToken(token, true));
    // The escrow holds legs for others: no forced transfer or redemption may take from it.
    const t = (await ethers.getContractAt("PermissionedToken", token, admin)) as unknown as PermissionedToken;
    await step(`mark ${ESCROW_KEY} custodian on ${token}`, () => t.isCustodian(escrowAddress), () => t.setCustodian(escrowAddress, true));
  }
  const registry = (await ethers.getContractAt("ParticipantRegistry", registryAddress)) as unknown as ParticipantRegistry;
  const escrowId = ethers.id(ESCROW_PARTICIPANT);
  const onboarded = async () => (await registry.participantOf(escrowAddress)) !== ethers.ZeroHash;
  if (params.compliance) {
    const latest = await ethers.provider.getBlock("latest");
    const expiry = latest!.timestamp + ESCROW_KYC_YEARS * 365 * 24 * 3600;
    const asCompliance = registry.connect(params.compliance);
    await step(`onboard ${ESCROW_KEY} as participant ${ESCROW_PARTICIPANT}`, onboarded,
      () => asCompliance.onboard(escrowId, [escrowAddress], expiry));
  } else if (!(await onboarded())) {
    log(`  todo    compliance must onboard the escrow before trades can lock legs:`);
    log(`          npx hardhat participant:onboard --network ${network} --id ${ESCROW_PARTICIPANT} --wallets ${escrowAddress} --kyc-expiry <date>`);
  }
  return record;
}

/**
 * Duties that must stay with different keys (the tokens refuse them on chain too): an issuer that attests
 * could raise its own cap; an issuer with compliance could issue to a wallet and force it anywhere.
 */
export function requireSeparateDuties(roles: RoleHolders): void {
  const pairs: [keyof RoleHolders, keyof RoleHolders][] = [["issuer", "reserve"], ["issuer", "compliance"]];
  for (const [a, b] of pairs) {
    if (roles[a].toLowerCase() === roles[b].toLowerCase()) {
      throw new Error(`${a} and ${b} are the same account ${roles[a]}: these duties must be held by different keys`);
    }
  }
}

/** Currency configs from codes such as "USD,EUR", naming an unknown one. */
export function currenciesFrom(codes: string): CurrencyConfig[] {
  return codes.split(",").map((c) => c.trim().toUpperCase()).filter(Boolean).map((code) => {
    const currency = CURRENCIES[code];
    if (!currency) throw new Error(`unknown currency "${code}" (known: ${Object.keys(CURRENCIES).join(", ")})`);
    return currency;
  });
}
