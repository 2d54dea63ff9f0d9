import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionReceipt, Signer } from "ethers";
import type { UpgradeTimelock } from "../typechain-types";
import { roleId, roleName } from "./roles";

/** Where a timelock operation stands (TimelockController.OperationState); a scheduled one that reads Unset was cancelled. */
export const OPERATION_STATES = ["Unset", "Waiting", "Ready", "Done"] as const;
export type OperationState = (typeof OPERATION_STATES)[number] | "Cancelled";

/** One call of a timelock operation. */
export interface TimelockCall {
  target: string;
  value: bigint;
  data: string;
}

/** An operation scheduled in the timelock (one call, or a batch), as the upgrade commands show it. */
export interface TimelockOperation {
  id: string;
  calls: TimelockCall[];
  predecessor: string;
  salt: string;
  /** Unix time from which it may be executed (0 when cancelled, 1 when done). */
  readyAt: number;
  state: OperationState;
  block: number;
  /** The upgrade it makes, when it is one `upgradeToAndCall` on a proxy. */
  upgrade?: { proxy: string; implementation: string };
  /** Whether every call targets the timelock itself (its roles or delay): anyone may execute it once Ready. */
  self: boolean;
}

/** An upgrade scheduled in the timelock. */
export interface ScheduledUpgrade {
  id: string;
  proxy: string;
  implementation: string;
  data: string;
  predecessor: string;
  salt: string;
  /** Unix time from which it may be executed (0 when cancelled, 1 when done). */
  readyAt: number;
  state: OperationState;
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

/**
 * Whether two implementations run the same code: their runtime bytecode with each one's own address (the
 * `__self` immutable every UUPS implementation embeds) blanked out. For refusing an upgrade that changes nothing.
 */
export async function sameImplementationCode(hre: HardhatRuntimeEnvironment, a: string, b: string): Promise<boolean> {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const normalised = async (address: string) => (await hre.ethers.provider.getCode(address)).toLowerCase().replaceAll(address.slice(2).toLowerCase(), "0".repeat(40));
  const [codeA, codeB] = await Promise.all([normalised(a), normalised(b)]);
  return codeA !== "0x" && codeA === codeB;
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

/** Every operation scheduled in the timelock since `fromBlock`, in the order scheduled, with its current state. */
export async function listOperations(hre: HardhatRuntimeEnvironment, timelock: UpgradeTimelock, fromBlock = 0): Promise<TimelockOperation[]> {
  const iface = new hre.ethers.Interface(UUPS_ABI);
  const self = (await timelock.getAddress()).toLowerCase();
  const salts = new Map<string, string>();
  for (const e of await timelock.queryFilter(timelock.filters.CallSalt(), fromBlock)) salts.set(e.args.id, e.args.salt);
  const operations = new Map<string, TimelockOperation>();
  for (const e of await timelock.queryFilter(timelock.filters.CallScheduled(), fromBlock)) {
    let op = operations.get(e.args.id);
    if (!op || Number(e.args.index) === 0) {
      op = { id: e.args.id, calls: [], predecessor: e.args.predecessor, salt: hre.ethers.ZeroHash, readyAt: 0, state: "Unset", block: 0, self: false };
      operations.delete(e.args.id); // scheduled again after a cancellation: listed where it was scheduled last
      operations.set(e.args.id, op);
    }
    op.calls[Number(e.args.index)] = { target: e.args.target, value: e.args.value, data: e.args.data };
    op.block = e.blockNumber;
  }
  for (const op of operations.values()) {
    const state = OPERATION_STATES[Number(await timelock.getOperationState(op.id))];
    op.state = state === "Unset" ? "Cancelled" : state;
    op.readyAt = Number(await timelock.getTimestamp(op.id));
    op.salt = salts.get(op.id) ?? hre.ethers.ZeroHash;
    op.self = op.calls.every((c) => c.target.toLowerCase() === self);
    if (op.calls.length === 1) {
      try {
        op.upgrade = { proxy: op.calls[0].target, implementation: iface.decodeFunctionData("upgradeToAndCall", op.calls[0].data)[0] as string };
      } catch {
        // not an upgrade (for example a change of the timelock's own roles or delay)
      }
    }
  }
  return [...operations.values()];
}

/** Every upgrade scheduled in the timelock since `fromBlock`, with its current state. */
export async function listUpgrades(hre: HardhatRuntimeEnvironment, timelock: UpgradeTimelock, fromBlock = 0): Promise<ScheduledUpgrade[]> {
  return (await listOperations(hre, timelock, fromBlock)).filter((op) => op.upgrade).map((op) => ({
    id: op.id, proxy: op.upgrade!.proxy, implementation: op.upgrade!.implementation, data: op.calls[0].data,
    predecessor: op.predecessor, salt: op.salt, readyAt: op.readyAt, state: op.state, block: op.block,
  }));
}

/**
 * The accounts that hold `role` on the timelock now, from its RoleGranted and RoleRevoked events since
 * `fromBlock` (the timelock does not enumerate its roles), each checked on chain.
 */
export async function timelockRoleHolders(timelock: UpgradeTimelock, role: string, fromBlock = 0): Promise<string[]> {
  const candidates = new Set<string>();
  for (const e of await timelock.queryFilter(timelock.filters.RoleGranted(role), fromBlock)) candidates.add(e.args.account);
  const holders: string[] = [];
  for (const account of candidates) if (await timelock.hasRole(role, account)) holders.push(account);
  return holders;
}

/**
 * The calls that replace the upgrade key: the new key receives PROPOSER_ROLE and EXECUTOR_ROLE, every old
 * one loses both. Scheduled as one batch on the timelock itself, executed by anyone once Ready.
 */
export function keyRotationCalls(timelock: UpgradeTimelock, timelockAddress: string, oldKeys: string[], newKey: string): TimelockCall[] {
  const proposer = roleId("PROPOSER_ROLE");
  const executor = roleId("EXECUTOR_ROLE");
  const data = [
    timelock.interface.encodeFunctionData("grantRole", [proposer, newKey]),
    timelock.interface.encodeFunctionData("grantRole", [executor, newKey]),
    ...oldKeys.filter((k) => k.toLowerCase() !== newKey.toLowerCase()).flatMap((old) => [
      timelock.interface.encodeFunctionData("revokeRole", [proposer, old]),
      timelock.interface.encodeFunctionData("revokeRole", [executor, old]),
    ]),
  ];
  return data.map((d) => ({ target: timelockAddress, value: 0n, data: d }));
}

/**
 * What an operation does, in words: "DepositToken:USD -> 0x9A67..." for an upgrade (`label` names the
 * proxy), "grantRole(PROPOSER_ROLE, 0x...); revokeRole(...)" for a change of the timelock itself.
 */
export function describeOperation(timelock: UpgradeTimelock, op: TimelockOperation, label: (address: string) => string): string {
  if (op.upgrade) return `${label(op.upgrade.proxy)} -> ${op.upgrade.implementation}`;
  return op.calls.map((c) => {
    const target = label(c.target);
    try {
      const call = timelock.interface.parseTransaction({ data: c.data });
      if (!call || !op.self) throw new Error("not a call of the timelock");
      const args = call.args.map((a: unknown) => (typeof a === "string" && a.length === 66 ? roleName(a) : String(a)));
      return `${call.name}(${args.join(", ")})`;
    } catch {
      return `call ${target} with ${c.data.slice(0, 10)}`;
    }
  }).join("; ");
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
