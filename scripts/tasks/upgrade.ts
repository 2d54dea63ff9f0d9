import type { UpgradeTimelock } from "../../typechain-types";
import { CommandContext, CommonArgs } from "../../lib/cli/context";
import { out, printTable } from "../../lib/cli/output";
import { keyOfAddress, TIMELOCK_KEY, writeDeployment } from "../../lib/deployment";
import { isoDate } from "../../lib/format";
import { listUpgrades, prepareImplementation, ScheduledUpgrade, upgradeCall, upgradeOperationId, upgradeSalt } from "../../lib/upgrade";
import { action, command } from "./command";

const openTimelock = (ctx: CommandContext): Promise<UpgradeTimelock> => ctx.timelock();

/** The record key of a proxy address, for printing. */
const keyOf = (ctx: CommandContext, address: string): string => keyOfAddress(ctx.record, address) ?? address;

function row(ctx: CommandContext, u: ScheduledUpgrade) {
  return { id: u.id, contract: keyOf(ctx, u.proxy), proxy: u.proxy, implementation: u.implementation, state: u.state, readyAt: u.readyAt > 1 ? isoDate(u.readyAt) : "" };
}

command("upgrade:schedule", "Deploy and validate a new implementation and schedule the upgrade in the timelock")
  .addParam("contract", "the contract as recorded, e.g. DepositToken:USD, ParticipantRegistry, DvPEscrow")
  .addParam("implementation", "name of the new implementation contract (its storage layout is checked)")
  .setAction(action<CommonArgs & { contract: string; implementation: string }>(async (args, ctx, hre) => {
    const entry = ctx.record.contracts[args.contract];
    if (!entry || args.contract === TIMELOCK_KEY) {
      const known = Object.keys(ctx.record.contracts).filter((k) => k !== TIMELOCK_KEY);
      throw new Error(`no upgradeable contract "${args.contract}" on ${hre.network.name} (recorded: ${known.join(", ")})`);
    }
    const timelock = await openTimelock(ctx);
    const signer = await ctx.signer(timelock, "PROPOSER_ROLE", TIMELOCK_KEY);
    let implementation: string;
    try {
      implementation = await prepareImplementation(hre, entry.address, args.implementation, signer);
    } catch (e) {
      throw new Error(`${args.implementation} cannot replace ${args.contract}: ${(e as Error).message.split("\n")[0]}; nothing was scheduled`);
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

command("upgrade:list", "List upgrades scheduled in the timelock and where each stands")
  .addFlag("all", "include executed and cancelled upgrades")
  .setAction(action<CommonArgs & { all: boolean }>(async (args, ctx, hre) => {
    const timelock = await openTimelock(ctx);
    const all = await listUpgrades(hre, timelock, ctx.fromBlock(TIMELOCK_KEY));
    const shown = (args.all ? all : all.filter((u) => u.state === "Waiting" || u.state === "Ready")).map((u) => row(ctx, u));
    ctx.report({ upgrades: shown }, () => {
      if (shown.length === 0) out.line(args.all ? "no upgrade was ever scheduled" : "no pending upgrade");
      else printTable(["id", "contract", "implementation", "state", "ready at"], shown.map((u) => [u.id, u.contract, u.implementation, u.state, u.readyAt]));
    });
  }));

command("upgrade:execute", "Execute a scheduled upgrade whose delay has passed")
  .addParam("id", "operation id printed by upgrade:schedule")
  .setAction(action<CommonArgs & { id: string }>(async (args, ctx, hre) => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(args.id)) throw new Error(`--id "${args.id}" is not an operation id (0x and 64 hex digits)`);
    const timelock = await openTimelock(ctx);
    const op = (await listUpgrades(hre, timelock, ctx.fromBlock(TIMELOCK_KEY))).find((u) => u.id.toLowerCase() === args.id.toLowerCase());
    if (!op) throw new Error(`no upgrade with id ${args.id} was scheduled on ${hre.network.name}`);
    if (op.state !== "Ready") {
      const when = op.state === "Waiting" ? `; executable from ${isoDate(op.readyAt)}` : "";
      throw new Error(`upgrade ${op.id} is ${op.state}${when}; nothing was sent`);
    }
    const signer = await ctx.signer(timelock, "EXECUTOR_ROLE", TIMELOCK_KEY);
    const label = keyOf(ctx, op.proxy);
    await ctx.send(`execute upgrade of ${label} to ${op.implementation}`, timelock.connect(signer).execute, [op.proxy, 0, op.data, op.predecessor, op.salt]);
    const entry = Object.values(ctx.record.contracts).find((c) => c.address === op.proxy);
    if (entry) {
      entry.implementation = op.implementation;
      writeDeployment(ctx.record);
    }
    ctx.report({ id: op.id, contract: label, proxy: op.proxy, implementation: await hre.upgrades.erc1967.getImplementationAddress(op.proxy) },
      () => out.line(`upgrade ${op.id} executed: ${label} now runs ${op.implementation}`));
  }));
