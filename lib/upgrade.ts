import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionReceipt, Signer } from "ethers";
import type { UpgradeTimelock } from "../typechain-types";

/** Where a timelock operation stands (TimelockController.OperationState); cancelled ones read as Unset. */
export const OPERATION_STATES = ["Unset", "Waiting", "Ready", "Done"] as const;

/** An upgrade scheduled in the timelock, as `upgrade:list` shows it. */
export interface ScheduledUpgrade {
  id: string;
  proxy: string;
  implementation: string;
  data: string;
  predecessor: string;
  salt: string;
  /** Unix time from which it may be executed (0 when cancelled, 1 when done). */
  readyAt: number;
  state: (typeof OPERATION_STATES)[number];
  block: number;
}

const UUPS_ABI = ["function upgradeToAndCall(address newImplementation, bytes data)"];

/**
 * Deploys and validates a new implementation for a UUPS proxy (the upgrades plugin refuses an unsafe
 * storage layout), returning its address. Nothing is scheduled.
 */
export async function prepareImplementation(hre: HardhatRuntimeEnvironment, proxy: string, contractName: string, signer: Signer): Promise<string> {
  const factory = await hre.ethers.getContractFactory(contractName, signer);
  const prepared = await hre.upgrades.prepareUpgrade(proxy, factory, { kind: "uups" });
  return typeof prepared === "string" ? prepared : (await prepared.wait())!.contractAddress!;
}

/** The call the timelock makes on the proxy: `upgradeToAndCall(implementation, "")`. */
export function upgradeCall(hre: HardhatRuntimeEnvironment, implementation: string): string {
  return new hre.ethers.Interface(UUPS_ABI).encodeFunctionData("upgradeToAndCall", [implementation, "0x"]);
}

/** A salt unique to this proxy, implementation and moment, so the same upgrade can be scheduled again later. */
export async function upgradeSalt(hre: HardhatRuntimeEnvironment, proxy: string, implementation: string): Promise<string> {
  const latest = await hre.ethers.provider.getBlock("latest");
  return hre.ethers.solidityPackedKeccak256(["address", "address", "uint256"], [proxy, implementation, latest!.timestamp]);
}

/** The operation id of an upgrade of `proxy` to `implementation` with `salt` (TimelockController.hashOperation). */
export async function upgradeOperationId(timelock: UpgradeTimelock, hre: HardhatRuntimeEnvironment, proxy: string, implementation: string, salt: string): Promise<string> {
  return timelock.hashOperation(proxy, 0, upgradeCall(hre, implementation), hre.ethers.ZeroHash, salt);
}

/** Every upgrade scheduled in the timelock since `fromBlock`, with its current state. */
export async function listUpgrades(hre: HardhatRuntimeEnvironment, timelock: UpgradeTimelock, fromBlock = 0): Promise<ScheduledUpgrade[]> {
  const iface = new hre.ethers.Interface(UUPS_ABI);
  const salts = new Map<string, string>();
  for (const e of await timelock.queryFilter(timelock.filters.CallSalt(), fromBlock)) salts.set(e.args.id, e.args.salt);
  const upgrades: ScheduledUpgrade[] = [];
  for (const e of await timelock.queryFilter(timelock.filters.CallScheduled(), fromBlock)) {
    let implementation: string;
    try {
      implementation = iface.decodeFunctionData("upgradeToAndCall", e.args.data)[0] as string;
    } catch {
      continue; // not an upgrade (for example a change of the timelock's own delay)
    }
    const state = OPERATION_STATES[Number(await timelock.getOperationState(e.args.id))];
    upgrades.push({
      id: e.args.id, proxy: e.args.target, implementation, data: e.args.data, predecessor: e.args.predecessor,
      salt: salts.get(e.args.id) ?? hre.ethers.ZeroHash, readyAt: Number(await timelock.getTimestamp(e.args.id)),
      state, block: e.blockNumber,
    });
  }
  return upgrades;
}

/** Schedules an upgrade of `proxy` to `implementation` with the timelock's minimum delay. */
export async function scheduleUpgrade(hre: HardhatRuntimeEnvironment, timelock: UpgradeTimelock, proposer: Signer, proxy: string, implementation: string): Promise<{ id: string; receipt: ContractTransactionReceipt }> {
  const salt = await upgradeSalt(hre, proxy, implementation);
  const delay = await timelock.getMinDelay();
  const tx = await timelock.connect(proposer).schedule(proxy, 0, upgradeCall(hre, implementation), hre.ethers.ZeroHash, salt, delay);
  const receipt = (await tx.wait())!;
  return { id: await upgradeOperationId(timelock, hre, proxy, implementation, salt), receipt };
}

/** Executes a ready upgrade. */
export async function executeUpgrade(timelock: UpgradeTimelock, executor: Signer, op: ScheduledUpgrade): Promise<ContractTransactionReceipt> {
  const tx = await timelock.connect(executor).execute(op.proxy, 0, op.data, op.predecessor, op.salt);
  return (await tx.wait())!;
}

/**
 * The whole path in one call, for tests and development networks whose delay is 0: prepare, schedule,
 * wait out the delay on an in-process chain if needed, execute.
 */
export async function upgradeThroughTimelock(hre: HardhatRuntimeEnvironment, timelock: UpgradeTimelock, upgrader: Signer, proxy: string, contractName: string): Promise<string> {
  const implementation = await prepareImplementation(hre, proxy, contractName, upgrader);
  const { id } = await scheduleUpgrade(hre, timelock, upgrader, proxy, implementation);
  const readyAt = Number(await timelock.getTimestamp(id));
  const latest = await hre.ethers.provider.getBlock("latest");
  if (readyAt > latest!.timestamp) await hre.network.provider.send("evm_setNextBlockTimestamp", [readyAt]);
  const [op] = (await listUpgrades(hre, timelock)).filter((u) => u.id === id);
  await executeUpgrade(timelock, upgrader, op);
  return implementation;
}
