import fs from "fs";
import path from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ContractFactory } from "ethers";
import { getVersion, Manifest } from "@openzeppelin/upgrades-core";
import type { InterfaceAbi, Signer, TransactionReceipt, TransactionRequest } from "ethers";
import { Pipeline } from "./pipeline";
import type { DvPEscrow, FxQuotes, IssuanceDesk, ParticipantRegistry, PermissionedToken, UpgradeTimelock } from "../typechain-types";
import { CurrencyConfig, currencyOf, IssuanceLimits, LIMIT_VARIABLES, RoleHolders, SecurityConfig } from "./config";
import { Failure } from "./failure";
import { readJsonFile } from "./files";
import { isObject } from "./json";
import { parseAmount } from "./format";
import { networkSettings } from "./networks";
import { ContractKind, dutiesOn, SEPARATE_DUTIES } from "./roles";

/** A deployed proxy as recorded in deployments/<network>.json. */
export interface ContractRecord {
  address: string;
  implementation: string;
  txHash: string;
  block: number;
}

/** An implementation contract behind one or more proxies, reused while its bytecode is unchanged. */
export interface ImplementationRecord {
  address: string;
  /** keccak256 of the creation bytecode it was deployed from. */
  bytecodeHash: string;
  txHash: string;
  /** -1 while its transaction is in flight. */
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
  implementations?: Record<string, ImplementationRecord>;
  /** Transactions sent but not yet seen mined: a later run waits for them before it goes on. */
  pending?: string[];
}

export interface PlatformParams {
  currencies: CurrencyConfig[];
  securities: SecurityConfig[];
  /**
   * Deploy the settlement contracts, onboard them and list the tokens in them: the DvP escrow (every
   * token) and FxQuotes, the quoted cross-currency payments (every deposit token).
   */
  escrow: boolean;
  roles: RoleHolders;
  /** The dual-control thresholds, officer allowances and approval window of every IssuanceDesk. */
  limits: IssuanceLimits;
  /** A currency's own limits where it has them (ISSUANCE_THRESHOLD_JPY, ...), by ISO 4217 code; `limits` otherwise. */
  currencyLimits?: Record<string, IssuanceLimits>;
  adminDelay: number;
  /**
   * Seconds between scheduling and executing an upgrade in the timelock that holds UPGRADER_ROLE on every
   * contract (0 on development networks). `roles.upgrader` proposes and executes through it, and
   * `roles.guardian` alone can cancel.
   */
  upgradeDelay: number;
  /** Signs the escrow's onboarding when the deployer controls the compliance key (development networks). */
  compliance?: Signer;
}

export interface DeployOptions {
  /** How long to wait for what an interrupted run left in flight (default 120 s). */
  interruptedWaitMs?: number;
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
/** Quoted cross-currency payments between deposit tokens against a liquidity provider's signed quote. */
export const FX_QUOTES_KEY = "FxQuotes";
/** Participant id of FxQuotes in the registry: it spends the parties' allowances, so it is onboarded too. */
export const FX_QUOTES_PARTICIPANT = "FX-QUOTES";
/** The KYC expiry of the escrow and FxQuotes: the bank's own contracts; compliance can still suspend them. */
const ESCROW_KYC_YEARS = 100;

/** Where deployment records live: deployments/ at the project root, or DEPLOYMENTS_DIR. */
export function deploymentsDir(): string {
  return process.env.DEPLOYMENTS_DIR ?? path.join(__dirname, "..", "deployments");
}

export function deploymentPath(network: string): string {
  return path.join(deploymentsDir(), `${network}.json`);
}

/**
 * The command that deploys for a network: its own `--network`, but `localhost` for the in-process
 * `hardhat` network, whose chain would be gone when `npm run deploy` exits (deploy/params.ts refuses it).
 */
export const deployCommand = (network: string) => `npm run deploy -- --network ${network === "hardhat" ? "localhost" : network}`;

/** Reads deployments/<network>.json, or explains in one line that there is none. */
export function readDeployment(network: string): DeploymentRecord {
  const file = deploymentPath(network);
  if (!fs.existsSync(file)) {
    const others = fs.existsSync(deploymentsDir())
      ? fs.readdirSync(deploymentsDir()).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5))
      : [];
    const hint = others.length > 0 ? `choose a deployed one with --network (${others.join(", ")}) or deploy` : "deploy";
    throw new Failure("NOT_FOUND", `no deployment for network "${network}": ${path.relative(process.cwd(), file)} does not exist; ${hint} with ${deployCommand(network)}`);
  }
  return readJsonFile<DeploymentRecord>(file, path.relative(process.cwd(), file), "a deployment record",
    (v) => isObject(v) && isObject(v.contracts) && typeof v.chainId === "number");
}

/** Writes deployments/<network>.json atomically. */
export function writeDeployment(record: DeploymentRecord): void {
  fs.mkdirSync(deploymentsDir(), { recursive: true });
  const file = deploymentPath(record.network);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * The chain id of the connected network, or one line naming the endpoint that does not answer (a stopped
 * node, a wrong URL), or the chain id that answered where the network's setting expects another (a URL
 * pointing at another chain): never Hardhat's multi-line connection error.
 */
export async function connectedChainId(hre: HardhatRuntimeEnvironment): Promise<number> {
  try {
    return Number((await hre.ethers.provider.getNetwork()).chainId);
  } catch (e) {
    const config = hre.network.config as { url?: string };
    const where = config.url ? ` at ${config.url}` : "";
    const message = (e as Error).message;
    const mismatch = /set to use chain id (\d+), but connected to a chain with id (\d+)/.exec(message);
    if (mismatch) {
      const variable = networkSettings()[hre.network.name]?.chainIdVariable;
      const expected = variable ? `${variable} expects ${mismatch[1]}` : `the network expects ${mismatch[1]}`;
      throw new Failure("NETWORK", `network "${hre.network.name}"${where} answered with chain id ${mismatch[2]}, but ${expected}: is it the intended node? (or correct ${variable ?? "its chain id"}); nothing was sent`);
    }
    throw new Failure("NETWORK", `network "${hre.network.name}" does not answer${where} (${message.split("\n")[0]}): is its node running? nothing was sent`);
  }
}

/** Contract name in the record for a currency's deposit token. */
export const depositTokenKey = (code: string) => `DepositToken:${code}`;
/** Contract name in the record for a currency's issuance desk. */
export const issuanceDeskKey = (code: string) => `IssuanceDesk:${code}`;
/** Contract name in the record for a security token. */
export const securityTokenKey = (isin: string) => `SecurityToken:${isin}`;

/** The contract behind a record key ("DepositToken:USD" is a DepositToken). */
export const contractOf = (key: string): ContractKind => key.split(":")[0] as ContractKind;

/** What follows the ":" of a record key: the currency code or the ISIN ("" for a contract of which there is one). */
export const recordName = (key: string): string => key.split(":")[1] ?? "";

/** The record keys of one kind of contract, with what follows the ":" (currency code, ISIN). */
export function recordedKeys(record: DeploymentRecord, kind: ContractKind): { key: string; name: string; entry: ContractRecord }[] {
  return Object.entries(record.contracts)
    .filter(([key]) => contractOf(key) === kind)
    .map(([key, entry]) => ({ key, name: recordName(key) || key, entry }));
}

/** The record key of an address, or undefined when the deployment did not make it. */
export function keyOfAddress(record: DeploymentRecord, address: string): string | undefined {
  return Object.entries(record.contracts).find(([, c]) => c.address.toLowerCase() === address.toLowerCase())?.[0];
}

/**
 * A recorded contract, typed: `openRecorded<DepositToken>(hre, record, "DepositToken:USD")`. Refuses a
 * key the record does not have, naming the network.
 */
export async function openRecorded<T>(hre: HardhatRuntimeEnvironment, record: DeploymentRecord, key: string, runner?: Signer): Promise<T> {
  const entry = record.contracts[key];
  if (!entry) throw new Failure("NOT_FOUND", `the deployment of "${record.network}" has no ${key}`);
  return (await hre.ethers.getContractAt(contractOf(key), entry.address, runner)) as unknown as T;
}

/**
 * Checks that every recorded contract has code on the connected chain: a node restarted from scratch, or
 * the in-process `hardhat` network chosen by leaving out --network, holds none of them. One line saying
 * so and what to do, instead of the BAD_DATA a call to an empty address gives.
 */
export async function requireRecordOnChain(hre: HardhatRuntimeEnvironment, record: DeploymentRecord): Promise<void> {
  const missing: string[] = [];
  for (const [key, c] of Object.entries(record.contracts)) {
    if ((await hre.ethers.provider.getCode(c.address)) === "0x") missing.push(key);
  }
  if (missing.length === 0) return;
  const file = path.relative(process.cwd(), deploymentPath(record.network));
  const all = missing.length === Object.keys(record.contracts).length;
  throw new Error(`${file} does not match this chain: ${all ? "none of its contracts" : missing.join(", ")} ${all || missing.length > 1 ? "have" : "has"} code on network "${hre.network.name}" (a restarted node, or a missing --network?); start the node the deployment was made on, or deploy again with ${deployCommand(hre.network.name)}; nothing was sent`);
}

/** The ERC-1967 proxy the upgrades plugin deploys for UUPS contracts (same bytecode, same verification). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ERC1967_PROXY = require("@openzeppelin/upgrades-core/artifacts/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol/ERC1967Proxy.json") as { abi: InterfaceAbi; bytecode: string };

/**
 * Gas limits for transactions whose target does not exist yet when they are sent (so they cannot be
 * estimated): generous, since gas is free on the private network and only block space is at stake.
 */
const PROXY_GAS = 3_000_000n;
/** A grant of a duty asks the registry, which asks every platform contract (up to 64, about 20,000 gas each). */
const STEP_GAS = 2_000_000n;

/**
 * Deploys the platform to the connected network, or finishes what an earlier run left undone: every
 * contract already recorded (and holding code) is reused, every role or registration already in place on
 * chain is skipped. Refuses a network whose chain id differs from the recorded one.
 *
 * Independent transactions are sent without waiting for each block: the addresses of the contracts the
 * deployer creates follow from its nonces, so implementations, proxies, role grants and listings go out
 * back to back and are mined together (nonce order keeps their order). Before sending, the record notes
 * the predicted addresses and the transaction hashes under `pending`; a run that was interrupted while
 * they were in flight first waits for them, then adopts what they created.
 */
export async function deployPlatform(
  hre: HardhatRuntimeEnvironment,
  admin: Signer,
  params: PlatformParams,
  options: DeployOptions = { persist: true, log: console.log },
): Promise<DeploymentRecord> {
  const { ethers } = hre;
  const { provider } = ethers;
  const { log } = options;
  const network = hre.network.name;
  requireSeparateDuties(params.roles);
  // Every currency's limits in its own minor unit, checked before anything is sent.
  const limitsOf = new Map(params.currencies.map((c) => [c.code, deskLimits(params.currencyLimits?.[c.code] ?? params.limits, c)]));
  const chainId = await connectedChainId(hre);
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
  const started = Date.now();
  const firstBlock = await provider.getBlockNumber();
  let transactions = 0;
  const blocks = new Set<number>();
  const adminAddress = await admin.getAddress();
  const pipeline = new Pipeline(admin);

  await finishInterrupted(hre, record, log, options.interruptedWaitMs ?? INTERRUPTED_WAIT_MS);
  save();
  const hasCode = async (address: string) => (await provider.getCode(address)) !== "0x";

  /** Sends `tx` from `from`, noting its hash as pending in the record as soon as it has left. */
  async function send(label: string, tx: TransactionRequest, done: (receipt: TransactionReceipt) => void, from = pipeline) {
    const sent = await from.send(label, tx, (receipt) => {
      transactions += 1;
      blocks.add(receipt.blockNumber);
      done(receipt);
    });
    (record.pending ??= []).push(sent.hash);
    return sent;
  }

  /** Contracts created by this run (their transactions may still be in flight). */
  const fresh = new Set<string>();

  /**
   * Creates a contract from the deploying key: the entry (with the address its nonce gives) is in the
   * record before the transaction leaves, its hash right after, so an interrupted run can be finished.
   */
  async function create<E extends { address: string; txHash: string; block: number }>(
    label: string, entry: E, store: (e: E) => void, deployTx: TransactionRequest,
  ): Promise<string> {
    entry.address = (await pipeline.peek()).created;
    store(entry);
    save();
    const sent = await send(label, deployTx, (receipt) => {
      entry.block = receipt.blockNumber;
      log(`  deploy  ${label} at ${entry.address} (block ${receipt.blockNumber})`);
    });
    entry.txHash = sent.hash;
    fresh.add(entry.address);
    save();
    return entry.address;
  }
  const estimated = async (deployTx: TransactionRequest): Promise<TransactionRequest> =>
    ({ ...deployTx, gasLimit: ((await provider.estimateGas({ ...deployTx, from: adminAddress })) * 5n) / 4n });
  /** A recorded contract that holds code: reused. */
  async function reused(key: string): Promise<string | undefined> {
    const known = record.contracts[key];
    if (!known || !(fresh.has(known.address) || (await hasCode(known.address)))) return undefined;
    if (!fresh.has(known.address)) log(`  reuse   ${key} at ${known.address}`);
    return known.address;
  }

  /** One implementation per contract in a run; reused across runs while its bytecode is unchanged. */
  const implementations = (record.implementations ??= {});
  async function implementation(contract: string): Promise<string> {
    const factory = await ethers.getContractFactory(contract, admin);
    const bytecodeHash = ethers.keccak256(factory.bytecode);
    const known = implementations[contract];
    if (known && known.bytecodeHash === bytecodeHash && (fresh.has(known.address) || (await hasCode(known.address)))) return known.address;
    await hre.upgrades.validateImplementation(factory, { kind: "uups" });
    return create(`implementation of ${contract}`, { address: "", bytecodeHash, txHash: "", block: -1 } as ImplementationRecord,
      (e) => { implementations[contract] = e; }, await estimated(await factory.getDeployTransaction()));
  }

  /**
   * A UUPS proxy of `contract`, initialized with `args`: OpenZeppelin's ERC1967Proxy, or `proxyContract` (the
   * registry's, which answers the movement checks itself).
   */
  async function proxy(key: string, contract: string, args: unknown[], proxyContract?: string): Promise<string> {
    const known = await reused(key);
    if (known) return known;
    const factory = await ethers.getContractFactory(contract, admin);
    const impl = await implementation(contract);
    const proxyFactory = proxyContract
      ? await ethers.getContractFactory(proxyContract, admin)
      : new ContractFactory(ERC1967_PROXY.abi, ERC1967_PROXY.bytecode, admin);
    const deployTx = await proxyFactory.getDeployTransaction(impl, factory.interface.encodeFunctionData("initialize", args));
    return create(key, { address: "", implementation: impl, txHash: "", block: -1 } as ContractRecord,
      (e) => { record.contracts[key] = e; }, { ...deployTx, gasLimit: PROXY_GAS });
  }

  /** A plain (non-proxy) contract, recorded with itself as implementation. */
  async function plain(key: string, contract: string, args: unknown[]): Promise<string> {
    const known = await reused(key);
    if (known) return known;
    const deployTx = await (await ethers.getContractFactory(contract, admin)).getDeployTransaction(...args);
    const entry = { address: "", implementation: "", txHash: "", block: -1 } as ContractRecord;
    const address = await create(key, entry, (e) => { record.contracts[key] = e; }, await estimated(deployTx));
    entry.implementation = address;
    save();
    return address;
  }

  /** A configuration step: skipped when already in place on chain (never for a contract created now). */
  async function step(key: string, target: string, done: () => Promise<boolean>, tx: () => Promise<TransactionRequest>, from = pipeline): Promise<void> {
    if (!fresh.has(target) && (await done())) {
      log(`  skip    ${key} (already in place)`);
      return;
    }
    await send(key, { ...(await tx()), gasLimit: STEP_GAS }, (receipt) => {
      record.steps[key] = { txHash: receipt.hash, block: receipt.blockNumber };
      log(`  done    ${key} (block ${receipt.blockNumber})`);
    }, from);
    save();
  }

  /** Grants each duty the role table gives the kind of contract behind `key`. */
  async function grantAll(key: string, address: string): Promise<void> {
    const c = await ethers.getContractAt("AccessControlDefaultAdminRulesUpgradeable", address, admin);
    for (const [roleName, duty] of dutiesOn(contractOf(key))) {
      const role = ethers.id(roleName);
      const holder = params.roles[duty];
      await step(`grant ${roleName} on ${key} to ${holder}`, address, () => c.hasRole(role, holder),
        () => c.grantRole.populateTransaction(role, holder));
    }
  }

  /**
   * UPGRADER_ROLE is its own admin and starts with the deployer: hand it to the timelock, then renounce it,
   * so an upgrade is only ever a delayed, visible timelock operation.
   */
  async function handOverUpgrades(key: string, address: string): Promise<void> {
    const c = await ethers.getContractAt("AccessControlDefaultAdminRulesUpgradeable", address, admin);
    const role = ethers.id("UPGRADER_ROLE");
    await step(`grant UPGRADER_ROLE on ${key} to ${TIMELOCK_KEY} ${timelock}`, address, () => c.hasRole(role, timelock),
      () => c.grantRole.populateTransaction(role, timelock));
    await step(`renounce UPGRADER_ROLE on ${key} by ${adminAddress}`, address, async () => !(await c.hasRole(role, adminAddress)),
      () => c.renounceRole.populateTransaction(role, adminAddress));
  }

  /**
   * The currency's IssuanceDesk: it alone holds ISSUER_ROLE on the token; the two officers and the
   * reserve attester hold their roles on it, and each officer gets the single-officer allowance.
   */
  async function issuanceDesk(currency: CurrencyConfig, tokenAddress: string): Promise<void> {
    const key = issuanceDeskKey(currency.code);
    const limits = limitsOf.get(currency.code)!;
    const address = await proxy(key, "IssuanceDesk", [
      tokenAddress, adminAddress, params.adminDelay, limits.issuanceThreshold, limits.redemptionThreshold, limits.approvalWindow,
    ]);
    await register(key, address);
    const token = await ethers.getContractAt("AccessControlDefaultAdminRulesUpgradeable", tokenAddress, admin);
    const issuerRole = ethers.id("ISSUER_ROLE");
    await step(`grant ISSUER_ROLE on ${depositTokenKey(currency.code)} to ${key} ${address}`, tokenAddress,
      () => token.hasRole(issuerRole, address), () => token.grantRole.populateTransaction(issuerRole, address));
    await grantAll(key, address);
    const desk = (await ethers.getContractAt("IssuanceDesk", address, admin)) as unknown as IssuanceDesk;
    const allowance = limits.officerAllowance;
    for (const officer of [params.roles.issuer, params.roles.secondIssuer]) {
      await step(`set allowance of ${officer} on ${key}`, address, async () => (await desk.officerAllowance(officer)).allowance === allowance,
        () => desk.setOfficerAllowance.populateTransaction(officer, allowance));
    }
    await handOverUpgrades(key, address);
  }

  const timelock = await plain(TIMELOCK_KEY, "UpgradeTimelock",
    [params.upgradeDelay, [params.roles.upgrader], [params.roles.upgrader], [params.roles.guardian]]);
  if (!fresh.has(timelock)) {
    const recorded = (await ethers.getContractAt("UpgradeTimelock", timelock)) as unknown as UpgradeTimelock;
    if (!(await recorded.hasRole(ethers.id("CANCELLER_ROLE"), params.roles.guardian))) {
      log(`  todo    the recorded ${TIMELOCK_KEY} ${timelock} does not give the guardian ${params.roles.guardian} CANCELLER_ROLE: migrate to a timelock with a guardian (README, Upgrades)`);
    }
  }
  const registryAddress = await proxy(REGISTRY_KEY, "ParticipantRegistry", [adminAddress, params.adminDelay], "ParticipantRegistryProxy");
  const registryAsAdmin = (await ethers.getContractAt("ParticipantRegistry", registryAddress, admin)) as unknown as ParticipantRegistry;

  /**
   * Adds a contract to the registry's platform contracts, before any duty is granted on it: from then on
   * the registry refuses a duty on any contract of the deployment to a key that holds a conflicting one on
   * another. (The registry consults itself; the timelock holds no duty that conflicts with another.)
   */
  async function register(key: string, address: string): Promise<void> {
    await step(`register ${key} as platform contract in ${REGISTRY_KEY}`, address,
      async () => (await registryAsAdmin.platformContracts()).some((c) => c.toLowerCase() === address.toLowerCase()),
      () => registryAsAdmin.addPlatformContract.populateTransaction(address));
  }

  await grantAll(REGISTRY_KEY, registryAddress);
  await handOverUpgrades(REGISTRY_KEY, registryAddress);

  const settled: string[] = [];
  const deposits: string[] = [];
  for (const currency of params.currencies) {
    const key = depositTokenKey(currency.code);
    const address = await proxy(key, "DepositToken", [
      currency.name, currency.symbol, currency.code, currency.decimals, registryAddress, adminAddress, params.adminDelay,
    ]);
    await register(key, address);
    await grantAll(key, address);
    await issuanceDesk(currency, address);
    await handOverUpgrades(key, address);
    settled.push(address);
    deposits.push(address);
  }
  for (const security of params.securities) {
    const key = securityTokenKey(security.isin);
    const address = await proxy(key, "SecurityToken", [
      security.name, security.symbol, security.isin, security.decimals, registryAddress, adminAddress, params.adminDelay,
    ]);
    await register(key, address);
    await grantAll(key, address);
    await handOverUpgrades(key, address);
    settled.push(address);
  }
  let escrowAddress: string | undefined;
  if (params.escrow) {
    escrowAddress = await proxy(ESCROW_KEY, "DvPEscrow", [registryAddress, adminAddress, params.adminDelay]);
    await register(ESCROW_KEY, escrowAddress);
    await grantAll(ESCROW_KEY, escrowAddress);
    await handOverUpgrades(ESCROW_KEY, escrowAddress);
    const escrow = (await ethers.getContractAt("DvPEscrow", escrowAddress, admin)) as unknown as DvPEscrow;
    for (const token of settled) {
      await step(`list ${token} in ${ESCROW_KEY}`, escrowAddress, () => escrow.isListed(token), () => escrow.listToken.populateTransaction(token, true));
      // The escrow holds legs for others: no forced transfer or redemption may take from it.
      const t = (await ethers.getContractAt("PermissionedToken", token, admin)) as unknown as PermissionedToken;
      await step(`mark ${ESCROW_KEY} custodian on ${token}`, token, () => t.isCustodian(escrowAddress as string),
        () => t.setCustodian.populateTransaction(escrowAddress as string, true));
    }
  }
  // Created after every other contract, so that adding it changed no other contract's address.
  let fxAddress: string | undefined;
  if (params.escrow) {
    fxAddress = await proxy(FX_QUOTES_KEY, "FxQuotes", [registryAddress, adminAddress, params.adminDelay]);
    await register(FX_QUOTES_KEY, fxAddress);
    await grantAll(FX_QUOTES_KEY, fxAddress);
    await handOverUpgrades(FX_QUOTES_KEY, fxAddress);
    const fx = (await ethers.getContractAt("FxQuotes", fxAddress, admin)) as unknown as FxQuotes;
    for (const token of deposits) {
      await step(`list ${token} in ${FX_QUOTES_KEY}`, fxAddress, () => fx.isListed(token), () => fx.listToken.populateTransaction(token, true));
    }
  }
  await pipeline.mined();
  delete record.pending;
  save();

  // The compliance officer's onboarding needs the registry's compliance grant mined first.
  const onboarding: [string, string, string][] = [];
  if (escrowAddress) onboarding.push([ESCROW_KEY, ESCROW_PARTICIPANT, escrowAddress]);
  if (fxAddress) onboarding.push([FX_QUOTES_KEY, FX_QUOTES_PARTICIPANT, fxAddress]);
  if (onboarding.length > 0) {
    const registry = (await ethers.getContractAt("ParticipantRegistry", registryAddress)) as unknown as ParticipantRegistry;
    const compliance = params.compliance ? new Pipeline(params.compliance) : undefined;
    for (const [key, participant, address] of onboarding) {
      const onboarded = async () => (await registry.participantOf(address)) !== ethers.ZeroHash;
      if (compliance) {
        const latest = await provider.getBlock("latest");
        const expiry = latest!.timestamp + ESCROW_KYC_YEARS * 365 * 24 * 3600;
        await step(`onboard ${key} as participant ${participant}`, registryAddress, onboarded,
          () => registry.connect(params.compliance!).onboard.populateTransaction(ethers.id(participant), [address], expiry), compliance);
      } else if (!(await onboarded())) {
        const what = key === ESCROW_KEY ? "the escrow before trades can lock legs" : `${key} before quoted payments can move`;
        log(`  todo    compliance must onboard ${what}:`);
        log(`          npx hardhat participant:onboard --network ${network} --id ${participant} --wallets ${address} --kyc-expiry <date>`);
      }
    }
    if (compliance) {
      await compliance.mined();
      delete record.pending;
      save();
    }
  }
  await registerProxies(hre, admin, record);
  if (transactions > 0) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    log(`  sent    ${transactions} transactions, mined in ${blocks.size} blocks (${firstBlock + 1}..${Math.max(...blocks)}), ${seconds} s`);
  }
  return record;
}

/** How long a run waits for what an interrupted run still has in flight before it refuses to go on. */
const INTERRUPTED_WAIT_MS = 120_000;

/**
 * Before a run sends anything: waits for the transactions an interrupted run left in flight, then keeps
 * only the creations that were mined and succeeded. A transaction the node still holds unmined stops the
 * run (sending again would deploy twice once the chain moves); one the node no longer knows was dropped,
 * and its entry goes so that the contract is created again.
 */
async function finishInterrupted(hre: HardhatRuntimeEnvironment, record: DeploymentRecord, log: (line: string) => void, waitMs: number): Promise<void> {
  const { provider } = hre.ethers;
  const pending = record.pending ?? [];
  if (pending.length > 0) log(`  wait    ${pending.length} transactions sent by an interrupted run`);
  const deadline = Date.now() + waitMs;
  const stuck: string[] = [];
  await Promise.all(pending.map(async (hash) => {
    for (;;) {
      if (await provider.getTransactionReceipt(hash)) return;
      if (!(await provider.getTransaction(hash))) return; // dropped: nothing will come of it
      if (Date.now() > deadline) {
        stuck.push(hash);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }));
  if (stuck.length > 0) {
    throw new Error(`${stuck.length} transactions of an interrupted run are still waiting to be mined (first ${stuck[0]}); `
      + "run the deployment again once the network produces blocks; nothing was sent");
  }
  delete record.pending;
  const unconfirmed: [string, { address: string; txHash: string; block: number }, () => void][] = [
    ...Object.entries(record.contracts).map(([k, c]) => [k, c, () => delete record.contracts[k]] as [string, ContractRecord, () => void]),
    ...Object.entries(record.implementations ?? {}).map(([k, c]) => [`implementation of ${k}`, c, () => delete record.implementations![k]] as [string, ImplementationRecord, () => void]),
  ].filter(([, c]) => c.block < 0);
  for (const [label, entry, drop] of unconfirmed) {
    const receipt = entry.txHash ? await provider.getTransactionReceipt(entry.txHash) : null;
    if (receipt?.status === 1 && (await provider.getCode(entry.address)) !== "0x") {
      entry.block = receipt.blockNumber;
      log(`  adopt   ${label} at ${entry.address} (block ${receipt.blockNumber}, sent by an interrupted run)`);
    } else {
      drop();
      log(`  drop    ${label} at ${entry.address} (its creation never succeeded; created again)`);
    }
  }
}

/**
 * Registers every recorded proxy with the upgrades plugin (its manifest in .openzeppelin/), so that
 * `upgrades.prepareUpgrade` checks storage layouts, including proxies a run that stopped early created.
 */
async function registerProxies(hre: HardhatRuntimeEnvironment, admin: Signer, record: DeploymentRecord): Promise<void> {
  const proxies = Object.entries(record.contracts).filter(([key]) => key !== TIMELOCK_KEY);
  const versions = new Map<string, string>();
  for (const [key, c] of proxies) {
    const factory = await hre.ethers.getContractFactory(contractOf(key), admin);
    const current = await hre.upgrades.erc1967.getImplementationAddress(c.address);
    if (current.toLowerCase() === c.implementation.toLowerCase()) {
      versions.set(current.toLowerCase(), getVersion(factory.bytecode, factory.bytecode, factory.interface.encodeDeploy([])).linkedWithoutMetadata);
    }
  }
  await forgetReusedAddresses(hre, versions);
  for (const [key, c] of proxies) {
    await hre.upgrades.forceImport(c.address, await hre.ethers.getContractFactory(contractOf(key), admin), { kind: "uups" });
  }
}

/**
 * A chain that was reset, or reverted to a snapshot (the in-process network's fixtures), reuses
 * addresses: the plugin's manifest may then still say that one of our implementation addresses holds
 * another contract, and `prepareUpgrade`, which finds a layout by address, would check an upgrade
 * against the wrong contract's storage. Drops every claim on those addresses by another version.
 */
async function forgetReusedAddresses(hre: HardhatRuntimeEnvironment, versions: Map<string, string>): Promise<void> {
  const manifest = await Manifest.forNetwork(hre.network.provider);
  await manifest.lockedRun(async () => {
    const data = await manifest.read();
    let changed = false;
    for (const [version, impl] of Object.entries(data.impls)) {
      if (!impl) continue;
      const claimed = [...new Set([impl.address, ...(impl.allAddresses ?? [])])];
      const isStale = (a: string) => versions.has(a.toLowerCase()) && versions.get(a.toLowerCase()) !== version;
      if (!claimed.some(isStale)) continue;
      changed = true;
      const kept = claimed.filter((a) => !isStale(a));
      if (kept.length === 0) delete data.impls[version];
      else data.impls[version] = { ...impl, address: kept[0], allAddresses: kept };
    }
    if (changed) await manifest.write(data);
  });
}

/**
 * A deployment record that commands can trust: one whose transactions all came through. An unfinished
 * one (a run stopped while its transactions were in flight) is refused with what to do.
 */
export function requireFinished(record: DeploymentRecord): DeploymentRecord {
  const unconfirmed = [...Object.values(record.contracts), ...Object.values(record.implementations ?? {})].some((c) => c.block < 0);
  if ((record.pending?.length ?? 0) > 0 || unconfirmed) {
    throw new Error(`the deployment of "${record.network}" is unfinished (a run stopped while its transactions were in flight): run npm run deploy -- --network ${record.network} to finish it`);
  }
  return record;
}

/**
 * Duties that must stay with different keys (the contracts refuse them on chain too): an issuer that
 * attests could raise its own cap; an issuer with compliance could issue to a wallet and force it
 * anywhere; the two issuance officers of dual control must be two people; an upgrader that guards could
 * cancel its own replacement and nobody could stop its upgrades.
 */
export function requireSeparateDuties(roles: RoleHolders): void {
  for (const [a, b] of SEPARATE_DUTIES) {
    if (roles[a].toLowerCase() === roles[b].toLowerCase()) {
      throw new Error(`${a} and ${b} are the same account ${roles[a]}: these duties must be held by different keys`);
    }
  }
}

/**
 * A desk's limits in the smallest unit of its currency. A general limit may serve several currencies, so
 * places beyond the currency's minor unit are accepted when they are zeros ("1000000.00" is 1,000,000
 * JPY); a limit that needs them is refused, naming its variable and the currency.
 */
export function deskLimits(limits: IssuanceLimits, currency: CurrencyConfig) {
  const amount = (name: keyof typeof LIMIT_VARIABLES) => {
    const text = limits[name];
    const variable = limits.sources?.[name] ?? LIMIT_VARIABLES[name];
    const [whole, fraction = ""] = text.trim().split(".");
    const kept = fraction.replace(/0+$/, "").padEnd(currency.decimals, "0");
    if (kept.length > currency.decimals) {
      throw new Error(`${variable} "${text}" has ${fraction.length} decimals; ${currency.code} has ${currency.decimals} (its ISO 4217 minor unit): give the limit in whole ${currency.decimals === 0 ? "units" : `units with at most ${currency.decimals} decimals`}`);
    }
    return parseAmount(kept.length > 0 ? `${whole}.${kept}` : whole, currency.decimals, `${variable} (${currency.code})`);
  };
  return {
    issuanceThreshold: amount("issuanceThreshold"),
    redemptionThreshold: amount("redemptionThreshold"),
    officerAllowance: amount("officerAllowance"),
    approvalWindow: limits.approvalWindow,
  };
}

/**
 * The currencies of DEPLOY_CURRENCIES ("USD,EUR,JPY"; lower case is read as upper), each an ISO 4217
 * currency of payment (lib/currencies.ts). Refuses in one line an unknown code, a code that is not a
 * currency of payment, one given twice, and a list that names none.
 */
export function currenciesFrom(codes: string, what = "DEPLOY_CURRENCIES"): CurrencyConfig[] {
  const listed = codes.split(",").map((c) => c.trim()).filter(Boolean);
  if (listed.length === 0) throw new Error(`${what}="${codes}" names no currency (for example USD,EUR,JPY)`);
  const currencies = listed.map((code) => currencyOf(code, what));
  const seen = new Set<string>();
  for (const c of currencies) {
    if (seen.has(c.code)) throw new Error(`${what}="${codes}" names ${c.code} twice`);
    seen.add(c.code);
  }
  return currencies;
}
