import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { UpgradeTimelock } from "../../typechain-types";
import { CommandContext, CommonArgs } from "../../lib/cli/context";
import { out, printTable } from "../../lib/cli/output";
import { keyOfAddress, TIMELOCK_KEY, writeDeployment } from "../../lib/deployment";
import { Failure } from "../../lib/failure";
import { isoDate, parseAddress } from "../../lib/format";
import { roleId } from "../../lib/roles";
import {
  describeOperation, keyRotationCalls, listOperations, prepareImplementation, sameImplementationCode, timelockRoleHolders, TimelockOperation, upgradeCall,
  upgradeOperationId, upgradeSalt,
} from "../../lib/upgrade";
import { action, command } from "./command";

const openTimelock = (ctx: CommandContext): Promise<UpgradeTimelock> => ctx.timelock();

/** The record key of a proxy address, for printing. */
const keyOf = (ctx: CommandContext, address: string): string => keyOfAddress(ctx.record, address) ?? address;

const requireOperationId = (id: string): void => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(id)) throw new Error(`--id "${id}" is not an operation id (0x and 64 hex digits)`);
};

/** The operation with `id` scheduled in the recorded timelock, or one line saying there is none. */
async function findOperation(ctx: CommandContext, hre: HardhatRuntimeEnvironment, timelock: UpgradeTimelock, id: string): Promise<TimelockOperation> {
  requireOperationId(id);
  const op = (await listOperations(hre, timelock, ctx.fromBlock(TIMELOCK_KEY))).find((o) => o.id.toLowerCase() === id.toLowerCase());
  if (!op) throw new Failure("NOT_FOUND", `no operation with id ${id} was scheduled on ${hre.network.name}`);
  return op;
}

command("upgrade:schedule", "Deploy and validate a new implementation and schedule the upgrade in the timelock")
  .addParam("contract", "the contract as recorded, e.g. DepositToken:USD, ParticipantRegistry, DvPEscrow")
  .addParam("implementation", "name of the new implementation contract (its storage layout is checked)")
  .setAction(action<CommonArgs & { contract: string; implementation: string }>(async (args, ctx, hre) => {
    const entry = ctx.record.contracts[args.contract];
    if (!entry || args.contract === TIMELOCK_KEY) {
      const known = Object.keys(ctx.record.contracts).filter((k) => k !== TIMELOCK_KEY);
      throw new Failure("NOT_FOUND", `no upgradeable contract "${args.contract}" on ${hre.network.name} (recorded: ${known.join(", ")})`);
    }
    const timelock = await openTimelock(ctx);
    const signer = await ctx.signer(timelock, "PROPOSER_ROLE", TIMELOCK_KEY);
    let implementation: string;
    try {
      implementation = await prepareImplementation(hre, entry.address, args.implementation, signer);
    } catch (e) {
      throw new Error(`${args.implementation} cannot replace ${args.contract}: ${(e as Error).message.split("\n")[0]}; nothing was scheduled`);
    }
    const running = await hre.upgrades.erc1967.getImplementationAddress(entry.address);
    if (await sameImplementationCode(hre, running, implementation)) {
      throw new Error(`${args.contract} already runs ${args.implementation} as compiled now (implementation ${running}): nothing to upgrade (change and compile the contract first); nothing was scheduled`);
    }
    const salt = await upgradeSalt(hre, entry.address, implementation);
    const delay = await timelock.getMinDelay();
    await ctx.send(`schedule upgrade of ${args.contract} to ${implementation}`, timelock.connect(signer).schedule,
      [entry.address, 0, upgradeCall(hre, implementation), hre.ethers.ZeroHash, salt, delay]);
    const id = await upgradeOperationId(timelock, hre, entry.address, implementation, salt);
    const readyAt = Number(await timelock.getTimestamp(id));
    ctx.report({ id, contract: args.contract, proxy: entry.address, implementation, delay: Number(delay), readyAt },
      () => out.line(`upgrade ${id} scheduled: ${args.contract} -> ${implementation}, executable from ${isoDate(readyAt)} (delay ${delay} s)`));
  }));

command("upgrade:list", "List operations scheduled in the timelock, where each stands and who may cancel it")
  .addFlag("all", "include executed and cancelled operations")
  .setAction(action<CommonArgs & { all: boolean }>(async (args, ctx, hre) => {
    const timelock = await openTimelock(ctx);
    const all = await listOperations(hre, timelock, ctx.fromBlock(TIMELOCK_KEY));
    const guardians = await timelockRoleHolders(timelock, roleId("CANCELLER_ROLE"), ctx.fromBlock(TIMELOCK_KEY));
    const shown = (args.all ? all : all.filter((o) => o.state === "Waiting" || o.state === "Ready")).map((o) => ({
      id: o.id, operation: describeOperation(timelock, o, (a) => keyOf(ctx, a)), contract: o.upgrade ? keyOf(ctx, o.upgrade.proxy) : TIMELOCK_KEY,
      proxy: o.upgrade?.proxy, implementation: o.upgrade?.implementation, state: o.state, readyAt: o.readyAt > 1 ? isoDate(o.readyAt) : "",
      cancellableBy: o.state === "Waiting" || o.state === "Ready" ? guardians : [],
    }));
    ctx.report({ operations: shown, guardians }, () => {
      if (shown.length === 0) out.line(args.all ? "no operation was ever scheduled" : "no pending operation");
      else printTable(["id", "operation", "state", "ready at", "cancellable by"], shown.map((o) => [o.id, o.operation, o.state, o.readyAt, o.cancellableBy.join(", ")]));
    });
  }));

/**
 * The operation `upgrade:execute` names: by `--id`, or by `--contract`, the one pending upgrade of that
 * recorded contract (refused when there is none or more than one, listing their ids).
 */
async function chosenOperation(ctx: CommandContext, hre: HardhatRuntimeEnvironment, timelock: UpgradeTimelock, args: { id?: string; contract?: string }): Promise<TimelockOperation> {
  if ((args.id === undefined) === (args.contract === undefined)) throw new Error("give --id (an operation id) or --contract (its one pending upgrade), not both");
  if (args.id !== undefined) return findOperation(ctx, hre, timelock, args.id);
  const entry = ctx.record.contracts[args.contract!];
  if (!entry) throw new Failure("NOT_FOUND", `no contract "${args.contract}" on ${hre.network.name} (recorded: ${Object.keys(ctx.record.contracts).join(", ")})`);
  const pending = (await listOperations(hre, timelock, ctx.fromBlock(TIMELOCK_KEY)))
    .filter((o) => o.upgrade?.proxy.toLowerCase() === entry.address.toLowerCase() && (o.state === "Waiting" || o.state === "Ready"));
  if (pending.length === 0) throw new Failure("NOT_FOUND", `no pending upgrade of ${args.contract} (upgrade:list --all shows the others)`);
  if (pending.length > 1) throw new Error(`${pending.length} upgrades of ${args.contract} are pending (${pending.map((o) => o.id).join(", ")}): choose one with --id`);
  return pending[0];
}

command("upgrade:execute", "Execute a scheduled operation (an upgrade, a replacement of the upgrade key) whose delay has passed")
  .addOptionalParam("id", "operation id printed by upgrade:schedule or upgrade:rotate-key")
  .addOptionalParam("contract", "instead of --id: the recorded contract whose one pending upgrade to execute, e.g. DepositToken:USD")
  .setAction(action<CommonArgs & { id?: string; contract?: string }>(async (args, ctx, hre) => {
    const timelock = await openTimelock(ctx);
    const op = await chosenOperation(ctx, hre, timelock, args);
    if (op.state !== "Ready") {
      const when = op.state === "Waiting" ? `; executable from ${isoDate(op.readyAt)}` : "";
      throw new Error(`operation ${op.id} is ${op.state}${when}; nothing was sent`);
    }
    // A change of the timelock itself may be executed by anyone: the key it replaces cannot hold it back.
    const signer = op.self ? await ctx.signer() : await ctx.signer(timelock, "EXECUTOR_ROLE", TIMELOCK_KEY);
    const what = describeOperation(timelock, op, (a) => keyOf(ctx, a));
    const label = op.upgrade ? `execute upgrade of ${keyOf(ctx, op.upgrade.proxy)} to ${op.upgrade.implementation}` : `execute ${what}`;
    if (op.calls.length === 1) {
      const [c] = op.calls;
      await ctx.send(label, timelock.connect(signer).execute, [c.target, c.value, c.data, op.predecessor, op.salt]);
    } else {
      await ctx.send(label, timelock.connect(signer).executeBatch,
        [op.calls.map((c) => c.target), op.calls.map((c) => c.value), op.calls.map((c) => c.data), op.predecessor, op.salt]);
    }
    if (op.upgrade) {
      const { proxy, implementation } = op.upgrade;
      const entry = Object.values(ctx.record.contracts).find((c) => c.address === proxy);
      if (entry) {
        entry.implementation = implementation;
        writeDeployment(ctx.record);
      }
      const contract = keyOf(ctx, proxy);
      ctx.report({ id: op.id, contract, proxy, implementation: await hre.upgrades.erc1967.getImplementationAddress(proxy) },
        () => out.line(`upgrade ${op.id} executed: ${contract} now runs ${implementation}`));
    } else {
      ctx.report({ id: op.id, operation: what }, () => out.line(`operation ${op.id} executed: ${what}`));
    }
  }));

command("upgrade:cancel", "Cancel a scheduled timelock operation (signed by the guardian)")
  .addParam("id", "operation id shown by upgrade:list")
  .setAction(action<CommonArgs & { id: string }>(async (args, ctx, hre) => {
    const timelock = await openTimelock(ctx);
    const op = await findOperation(ctx, hre, timelock, args.id);
    if (op.state === "Done") throw new Error(`operation ${op.id} is Done: it was executed and can no longer be cancelled; nothing was sent`);
    if (op.state === "Cancelled") throw new Error(`operation ${op.id} is already Cancelled; nothing was sent`);
    const signer = await ctx.signer(timelock, "CANCELLER_ROLE", TIMELOCK_KEY);
    const what = describeOperation(timelock, op, (a) => keyOf(ctx, a));
    await ctx.send(`cancel ${what}`, timelock.connect(signer).cancel, [op.id]);
    ctx.report({ id: op.id, operation: what, cancelledBy: await signer.getAddress() },
      () => out.line(`operation ${op.id} cancelled: ${what}`));
  }));

command("upgrade:rotate-key", "Schedule the replacement of the upgrade key (proposer and executor) in the timelock")
  .addParam("new", "address of the new upgrade key")
  .setAction(action<CommonArgs & { new: string }>(async (args, ctx, hre) => {
    const newKey = parseAddress(args.new, "--new");
    const timelock = await openTimelock(ctx);
    const address = await timelock.getAddress();
    if (await timelock.hasRole(roleId("CANCELLER_ROLE"), newKey)) {
      throw new Error(`--new ${newKey} is a guardian of ${TIMELOCK_KEY}: the upgrade key and the guardian must be different keys; nothing was sent`);
    }
    const oldKeys = await timelockRoleHolders(timelock, roleId("PROPOSER_ROLE"), ctx.fromBlock(TIMELOCK_KEY));
    if (oldKeys.length === 1 && oldKeys[0] === newKey) throw new Error(`--new ${newKey} is the upgrade key already; nothing was sent`);
    const signer = await ctx.signer(timelock, "PROPOSER_ROLE", TIMELOCK_KEY);
    const calls = keyRotationCalls(timelock, address, oldKeys, newKey);
    const latest = await hre.ethers.provider.getBlock("latest");
    const salt = hre.ethers.solidityPackedKeccak256(["address", "uint256"], [newKey, latest!.timestamp]);
    const delay = await timelock.getMinDelay();
    const [targets, values, data] = [calls.map((c) => c.target), calls.map((c) => c.value), calls.map((c) => c.data)];
    await ctx.send(`schedule replacement of the upgrade key ${oldKeys.join(", ")} by ${newKey}`, timelock.connect(signer).scheduleBatch,
      [targets, values, data, hre.ethers.ZeroHash, salt, delay]);
    const id = await timelock.hashOperationBatch(targets, values, data, hre.ethers.ZeroHash, salt);
    const readyAt = Number(await timelock.getTimestamp(id));
    ctx.report({ id, old: oldKeys, new: newKey, delay: Number(delay), readyAt },
      () => out.line(`operation ${id} scheduled: upgrade key ${oldKeys.join(", ")} -> ${newKey}, executable from ${isoDate(readyAt)} (delay ${delay} s) by anyone with upgrade:execute`));
  }));
