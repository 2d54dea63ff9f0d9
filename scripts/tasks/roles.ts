import { Interface, ZeroAddress } from "ethers";
import type { AccessControlDefaultAdminRulesUpgradeable } from "../../typechain-types";
import { CommandContext, CommonArgs } from "../../lib/cli/context";
import { out, printTable } from "../../lib/cli/output";
import { contractOf, keyOfAddress, TIMELOCK_KEY } from "../../lib/deployment";
import { formatAge, isoDate, parseAddress } from "../../lib/format";
import { DUTIES, dutiesHolding, ROLE_NAMES, roleId, roleName, RoleName } from "../../lib/roles";
import { action, command } from "./command";

type Admin = AccessControlDefaultAdminRulesUpgradeable;

/** A recorded contract by its record key, refusing a key the deployment does not have. */
function recordKey(ctx: CommandContext, text: string, what = "--contract"): string {
  const key = text.trim();
  if (!ctx.record.contracts[key]) {
    throw new Error(`${what} "${text}": no contract with that key on ${ctx.network} (recorded: ${Object.keys(ctx.record.contracts).join(", ")})`);
  }
  return key;
}

async function accessControl(ctx: CommandContext, key: string): Promise<Admin> {
  return (await ctx.hre.ethers.getContractAt("AccessControlDefaultAdminRulesUpgradeable", ctx.record.contracts[key].address)) as unknown as Admin;
}

/**
 * What a holder is to the platform: a recorded contract by its key, the default admin, or the duty of
 * lib/roles.ts that holds the role there (the one whose ROLE_* variable names the holder, when set).
 */
function dutyOf(ctx: CommandContext, key: string, role: string, holder: string): string {
  const contract = keyOfAddress(ctx.record, holder);
  if (contract) return contract;
  if (role === roleId("DEFAULT_ADMIN_ROLE")) return "admin";
  const duties = dutiesHolding(contractOf(key), roleName(role));
  const named = duties.filter((d) => process.env[DUTIES[d].env]?.trim().toLowerCase() === holder.toLowerCase());
  return (named.length ? named : duties).join(" or ");
}

interface Holding { role: string; holder: string; duty: string }
interface PendingAdmin { account: string; acceptableFrom: string; acceptable: boolean }

/** Who holds which role on one contract: RoleGranted events since its deployment, each confirmed with hasRole. */
export async function holdings(ctx: CommandContext, key: string, now: number) {
  const c = await accessControl(ctx, key);
  const from = ctx.fromBlock(key);
  const candidates = new Map<string, [string, string]>();
  for (const filter of [c.filters.RoleGranted(), c.filters.RoleRevoked()]) {
    for (const e of await c.queryFilter(filter, from)) candidates.set(`${e.args.role}/${e.args.account}`, [e.args.role, e.args.account]);
  }
  const timelock = key === TIMELOCK_KEY;
  const defaultAdmin = timelock ? undefined : await c.defaultAdmin();
  const roles: Holding[] = [];
  if (defaultAdmin && defaultAdmin !== ZeroAddress) roles.push({ role: "DEFAULT_ADMIN_ROLE", holder: defaultAdmin, duty: dutyOf(ctx, key, roleId("DEFAULT_ADMIN_ROLE"), defaultAdmin) });
  for (const [role, account] of candidates.values()) {
    // The default admin of a contract with AccessControlDefaultAdminRules is defaultAdmin(), read above.
    if (!timelock && role === roleId("DEFAULT_ADMIN_ROLE")) continue;
    if (await c.hasRole(role, account)) roles.push({ role: roleName(role), holder: account, duty: dutyOf(ctx, key, role, account) });
  }
  let pendingAdmin: PendingAdmin | null = null;
  if (!timelock) {
    const [account, schedule] = await c.pendingDefaultAdmin();
    if (account !== ZeroAddress) pendingAdmin = { account, acceptableFrom: isoDate(Number(schedule) + 1), acceptable: now > Number(schedule) };
  }
  const order = (r: Holding) => ROLE_NAMES.indexOf(r.role as RoleName);
  roles.sort((a, b) => order(a) - order(b));
  return { contract: key, address: ctx.record.contracts[key].address, defaultAdmin: defaultAdmin ?? null, pendingAdmin, roles };
}

const latestTime = async (ctx: CommandContext) => (await ctx.hre.ethers.provider.getBlock("latest"))!.timestamp;

command("roles:list", "Who holds which role on every contract of the deployment, read from the chain")
  .setAction(action<CommonArgs>(async (_args, ctx) => {
    const now = await latestTime(ctx);
    const contracts: Awaited<ReturnType<typeof holdings>>[] = [];
    for (const key of Object.keys(ctx.record.contracts)) contracts.push(await holdings(ctx, key, now));
    ctx.report({ contracts }, () => {
      printTable(["contract", "role", "holder", "duty"], contracts.flatMap((c) => c.roles.map((r) => [c.contract, r.role, r.holder, r.duty])));
      for (const c of contracts) {
        if (c.pendingAdmin) out.line(`${c.contract}: default admin transfer to ${c.pendingAdmin.account} pending, acceptable from ${c.pendingAdmin.acceptableFrom}`);
      }
    });
  }));

interface RoleArgs extends CommonArgs { contract: string; role: string; account: string }

/** The checked options of roles:grant and roles:revoke, with the refusals that need no chain call. */
async function roleChange(ctx: CommandContext, args: RoleArgs) {
  const key = recordKey(ctx, args.contract);
  const name = args.role.trim().toUpperCase();
  if (!(ROLE_NAMES as readonly string[]).includes(name)) throw new Error(`--role "${args.role}" is not a role of the platform (roles: ${ROLE_NAMES.join(", ")})`);
  const role = name as RoleName;
  const account = parseAddress(args.account, "--account");
  if (key === TIMELOCK_KEY) {
    throw new Error(`the roles of ${TIMELOCK_KEY} change only by its own delayed operations: upgrade:rotate-key replaces the upgrade key; nothing was sent`);
  }
  if (role === "DEFAULT_ADMIN_ROLE") {
    throw new Error(`DEFAULT_ADMIN_ROLE on ${key} changes by a two-step transfer with a delay: admin:begin-transfer by the admin, then admin:accept-transfer by the new admin; nothing was sent`);
  }
  if (role === "UPGRADER_ROLE") {
    throw new Error(`UPGRADER_ROLE on ${key} is held by ${TIMELOCK_KEY} and only it can pass it on: upgrades are scheduled with upgrade:schedule and the upgrade key is replaced with upgrade:rotate-key; nothing was sent`);
  }
  const iface = new Interface((await ctx.hre.artifacts.readArtifact(contractOf(key))).abi);
  if (!iface.getFunction(role)) {
    const used = ROLE_NAMES.filter((r) => r !== "DEFAULT_ADMIN_ROLE" && iface.getFunction(r));
    throw new Error(`${key} has no ${role} (its roles: ${used.join(", ")})`);
  }
  const c = await accessControl(ctx, key);
  const adminRole = roleName(await c.getRoleAdmin(roleId(role))) as RoleName;
  const signer = await ctx.signer(c, adminRole, key);
  return { key, role, account, c, signer, holds: await c.hasRole(roleId(role), account) };
}

command("roles:grant", "Grant a role on a contract of the deployment (the separation of duties is checked before sending)")
  .addParam("contract", "the contract's record key, e.g. IssuanceDesk:USD, DepositToken:USD, ParticipantRegistry")
  .addParam("role", `the role, e.g. ISSUER_ROLE (${ROLE_NAMES.join(", ")})`)
  .addParam("account", "the address receiving the role")
  .setAction(action<RoleArgs>(async (args, ctx) => {
    const { key, role, account, c, signer, holds } = await roleChange(ctx, args);
    if (holds) throw new Error(`${account} already holds ${role} on ${key}; nothing was sent`);
    await ctx.send(`grant ${role} on ${key} to ${account}`, c.connect(signer).grantRole, [roleId(role), account]);
    const duty = dutyOf(ctx, key, roleId(role), account);
    const next = role === "ISSUER_ROLE" && contractOf(key) === "IssuanceDesk"
      ? `; it issues alone within an allowance set with token:set-allowance --currency ${key.split(":")[1]} --officer ${account}` : "";
    ctx.report({ contract: key, role, account, duty, granted: true },
      () => out.line(`${account} holds ${role} on ${key}${duty ? ` (${duty})` : ""}${next}`));
  }));

command("roles:revoke", "Revoke a role on a contract of the deployment")
  .addParam("contract", "the contract's record key, e.g. IssuanceDesk:USD, DepositToken:USD, ParticipantRegistry")
  .addParam("role", `the role, e.g. ISSUER_ROLE (${ROLE_NAMES.join(", ")})`)
  .addParam("account", "the address losing the role")
  .setAction(action<RoleArgs>(async (args, ctx) => {
    const { key, role, account, c, signer, holds } = await roleChange(ctx, args);
    if (!holds) throw new Error(`${account} does not hold ${role} on ${key}; nothing was sent`);
    await ctx.send(`revoke ${role} on ${key} from ${account}`, c.connect(signer).revokeRole, [roleId(role), account]);
    ctx.report({ contract: key, role, account, granted: false }, () => out.line(`${account} no longer holds ${role} on ${key}`));
  }));

/** The contracts an admin:* command works on: one record key, or `all` (every contract but the timelock, which has no default admin). */
function adminKeys(ctx: CommandContext, text: string): string[] {
  if (text.trim().toLowerCase() === "all") return Object.keys(ctx.record.contracts).filter((k) => k !== TIMELOCK_KEY);
  const key = recordKey(ctx, text);
  if (key === TIMELOCK_KEY) throw new Error(`${TIMELOCK_KEY} has no default admin: it administers itself through its delayed operations; nothing was sent`);
  return [key];
}

interface AdminArgs extends CommonArgs { contract: string }

command("admin:begin-transfer", "Begin the two-step transfer of the default admin of a contract (or all) to a new address")
  .addParam("contract", "the contract's record key, or `all` for every contract with a default admin")
  .addParam("to", "the new default admin (it accepts with admin:accept-transfer once the delay has passed)")
  .setAction(action<AdminArgs & { to: string }>(async (args, ctx) => {
    const keys = adminKeys(ctx, args.contract);
    const to = parseAddress(args.to, "--to");
    const planned = [];
    for (const key of keys) {
      const c = await accessControl(ctx, key);
      const current = await c.defaultAdmin();
      if (current === to) throw new Error(`${to} is the default admin of ${key} already; nothing was sent`);
      planned.push({ key, c, current, signer: await ctx.signer(c, "DEFAULT_ADMIN_ROLE", key) });
    }
    const transfers: { contract: string; from: string; to: string; acceptableFrom: string; delay: number }[] = [];
    for (const { key, c, current, signer } of planned) {
      await ctx.send(`begin default admin transfer of ${key} to ${to}`, c.connect(signer).beginDefaultAdminTransfer, [to]);
      const [, schedule] = await c.pendingDefaultAdmin();
      transfers.push({ contract: key, from: current, to, acceptableFrom: isoDate(Number(schedule) + 1), delay: Number(await c.defaultAdminDelay()) });
    }
    ctx.report({ transfers }, () => {
      for (const t of transfers) {
        out.line(`${t.contract}: default admin transfer from ${t.from} to ${t.to} begun; ${t.to} accepts it with admin:accept-transfer from ${t.acceptableFrom} (delay ${formatAge(t.delay)})`);
      }
    });
  }));

command("admin:accept-transfer", "Accept a pending default admin transfer (signed by the new admin, once its delay has passed)")
  .addParam("contract", "the contract's record key, or `all` for every contract with a transfer pending")
  .setAction(action<AdminArgs>(async (args, ctx) => {
    const all = args.contract.trim().toLowerCase() === "all";
    const now = await latestTime(ctx);
    const planned = [];
    for (const key of adminKeys(ctx, args.contract)) {
      const c = await accessControl(ctx, key);
      const [pending, schedule] = await c.pendingDefaultAdmin();
      if (pending === ZeroAddress) {
        if (all) continue;
        throw new Error(`no default admin transfer is pending on ${key}; nothing was sent`);
      }
      // OpenZeppelin accepts only in a block later than the schedule.
      if (now + 1 <= Number(schedule)) {
        throw new Error(`the default admin transfer of ${key} to ${pending} becomes acceptable at ${isoDate(Number(schedule) + 1)}, in ${formatAge(Number(schedule) + 1 - now)}; nothing was sent`);
      }
      const signer = ctx.args.from ? await ctx.signer() : await ctx.account(pending, `the pending default admin of ${key}`);
      const signerAddress = await signer.getAddress();
      if (signerAddress !== pending) throw new Error(`${signerAddress} is not the pending default admin of ${key} (${pending} is); nothing was sent`);
      planned.push({ key, c, pending, signer, previous: await c.defaultAdmin() });
    }
    if (planned.length === 0) throw new Error(`no default admin transfer is pending on any contract of ${ctx.network}; nothing was sent`);
    const accepted: { contract: string; from: string; defaultAdmin: string }[] = [];
    for (const { key, c, pending, signer, previous } of planned) {
      await ctx.send(`accept default admin of ${key} by ${pending}`, c.connect(signer).acceptDefaultAdminTransfer, []);
      accepted.push({ contract: key, from: previous, defaultAdmin: await c.defaultAdmin() });
    }
    ctx.report({ accepted }, () => {
      for (const a of accepted) out.line(`${a.contract}: ${a.defaultAdmin} is the default admin (was ${a.from})`);
    });
  }));

command("admin:cancel-transfer", "Cancel a pending default admin transfer (signed by the current admin)")
  .addParam("contract", "the contract's record key, or `all` for every contract with a transfer pending")
  .setAction(action<AdminArgs>(async (args, ctx) => {
    const all = args.contract.trim().toLowerCase() === "all";
    const planned = [];
    for (const key of adminKeys(ctx, args.contract)) {
      const c = await accessControl(ctx, key);
      const [pending] = await c.pendingDefaultAdmin();
      if (pending === ZeroAddress) {
        if (all) continue;
        throw new Error(`no default admin transfer is pending on ${key}; nothing was sent`);
      }
      planned.push({ key, c, pending, signer: await ctx.signer(c, "DEFAULT_ADMIN_ROLE", key) });
    }
    if (planned.length === 0) throw new Error(`no default admin transfer is pending on any contract of ${ctx.network}; nothing was sent`);
    const cancelled: { contract: string; to: string }[] = [];
    for (const { key, c, pending, signer } of planned) {
      await ctx.send(`cancel default admin transfer of ${key} to ${pending}`, c.connect(signer).cancelDefaultAdminTransfer, []);
      cancelled.push({ contract: key, to: pending });
    }
    ctx.report({ cancelled }, () => {
      for (const x of cancelled) out.line(`${x.contract}: default admin transfer to ${x.to} cancelled`);
    });
  }));
