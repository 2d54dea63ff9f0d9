import fs from "fs";
import path from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse, Signer } from "ethers";
import type { DepositToken, ParticipantRegistry } from "../typechain-types";
import { CURRENCIES, CurrencyConfig, RoleHolders } from "./suite";

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
  roles: RoleHolders;
  adminDelay: number;
}

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

/**
 * Deploys the platform to the connected network, or finishes what an earlier run left undone: every
 * contract already recorded (and still holding code) is reused, every role or registration already in
 * place on chain is skipped. Refuses a network whose chain id differs from the recorded one.
 */
export async function deployPlatform(
  hre: HardhatRuntimeEnvironment,
  admin: Signer,
  params: PlatformParams,
  log: (line: string) => void = console.log,
): Promise<DeploymentRecord> {
  const { ethers, upgrades } = hre;
  const network = hre.network.name;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const file = deploymentPath(network);
  const record: DeploymentRecord = fs.existsSync(file)
    ? readDeployment(network)
    : { network, chainId, contracts: {}, steps: {} };
  if (record.chainId !== chainId) {
    throw new Error(`${path.relative(process.cwd(), file)} was recorded on chain id ${record.chainId}, but network "${network}" is chain id ${chainId}: refusing to mix deployments`);
  }
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
    writeDeployment(record);
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
    writeDeployment(record);
    log(`  done    ${key} (block ${receipt!.blockNumber})`);
  }

  writeDeployment(record);
  const registryAddress = await proxy("ParticipantRegistry", "ParticipantRegistry", [adminAddress, params.adminDelay]);
  const registry = (await ethers.getContractAt("ParticipantRegistry", registryAddress, admin)) as unknown as ParticipantRegistry;
  const grant = async (label: string, c: ParticipantRegistry | DepositToken, role: string, roleName: string, holder: string) =>
    step(`grant ${roleName} on ${label} to ${holder}`, () => c.hasRole(role, holder), () => c.grantRole(role, holder));
  await grant("ParticipantRegistry", registry, await registry.COMPLIANCE_ROLE(), "COMPLIANCE_ROLE", params.roles.compliance);
  await grant("ParticipantRegistry", registry, await registry.UPGRADER_ROLE(), "UPGRADER_ROLE", params.roles.upgrader);

  for (const currency of params.currencies) {
    const key = depositTokenKey(currency.code);
    const address = await proxy(key, "DepositToken", [
      currency.name, currency.symbol, currency.code, currency.decimals, registryAddress, adminAddress, params.adminDelay,
    ]);
    const token = (await ethers.getContractAt("DepositToken", address, admin)) as unknown as DepositToken;
    const duties: [string, keyof RoleHolders][] = [
      ["ISSUER_ROLE", "issuer"], ["RESERVE_ROLE", "reserve"], ["COMPLIANCE_ROLE", "compliance"],
      ["PAUSER_ROLE", "pauser"], ["UPGRADER_ROLE", "upgrader"],
    ];
    for (const [roleName, duty] of duties) {
      await grant(key, token, ethers.id(roleName), roleName, params.roles[duty]);
    }
  }
  return record;
}

/** Currency configs from codes such as "USD,EUR", naming an unknown one. */
export function currenciesFrom(codes: string): CurrencyConfig[] {
  return codes.split(",").map((c) => c.trim().toUpperCase()).filter(Boolean).map((code) => {
    const currency = CURRENCIES[code];
    if (!currency) throw new Error(`unknown currency "${code}" (known: ${Object.keys(CURRENCIES).join(", ")})`);
    return currency;
  });
}
