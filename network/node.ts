import { spawn, spawnSync } from "child_process";
import fs from "fs";
import net from "net";
import path from "path";
import { getAddress, JsonRpcProvider } from "ethers";
import {
  BESU_COMPOSE_PERMISSIONS_FILE, BESU_PERMISSIONS_FILE, besuArgs, besuGenesis, besuPermissionsToml, CHAIN_ID, composeHost, DEV_MNEMONIC,
  devAccounts, enodeUrl, gethArgs, gethGenesis, GethOptions, nodeKeys, NodeKey,
} from "./genesis";
import { ipcCall } from "./ipc";

import { NetworkBlocked, resolveGeth } from "./geth-binary";

export { NetworkBlocked } from "./geth-binary";
export type Client = "geth" | "besu";

export let DATA_DIR = process.env.QBFT_DATA_DIR ?? path.join(__dirname, "data");
/** Points this process's node functions at another network folder (network/sites.ts keeps its own). */
export function useDataDir(dir: string): void {
  DATA_DIR = dir;
}
/** The project's Hardhat binary (not npx), for suites and commands run against the network. */
export const HARDHAT = path.join(__dirname, "..", "node_modules", ".bin", "hardhat");

export const nodeDir = (i: number) => path.join(DATA_DIR, `node${i}`);
const pidFile = (i: number) => path.join(nodeDir(i), "node.pid");
/** A validator's JSON-RPC endpoint: on 127.0.0.1, or at its site's address when the network runs in sites. */
export const rpcUrl = (node: NodeKey) => `http://${siteOf(node.index)?.host ?? "127.0.0.1"}:${node.rpcPort}`;

/**
 * How the validators of a network in sites (network/sites.ts) are placed: each in its own Linux network
 * namespace with its own address, dialling its peers at the enode URLs given (the link proxies).
 */
export interface SiteLayout {
  netns: string[];
  hosts: string[];
  /** `--netrestrict` of every validator: the sites' subnet. */
  netrestrict: string;
  /** Per validator, the enode URLs of its static peers. */
  peers: string[][];
}

/** Validator i's site (namespace and address) when the network was started in sites. */
function siteOf(i: number): { netns: string; host: string; netrestrict: string } | undefined {
  const sites = fs.existsSync(launchFile()) ? launch().sites : undefined;
  if (!sites || i >= sites.netns.length) return undefined;
  return { netns: sites.netns[i], host: sites.hosts[i], netrestrict: sites.netrestrict };
}

/** GoQuorum reads its allowlist from <datadir>/permissioned-nodes.json; network/data/ holds the master copy. */
export const PERMISSIONED_NODES = "permissioned-nodes.json";
const allowlistFile = () => path.join(DATA_DIR, PERMISSIONED_NODES);

/** The enode URLs allowed to peer with the bank's nodes (network/data/permissioned-nodes.json). */
export function allowlist(): string[] {
  return fs.existsSync(allowlistFile()) ? JSON.parse(fs.readFileSync(allowlistFile(), "utf8")) as string[] : [];
}

/** The node folders in network/data/ (node0..node3, and any node the bank added), by index. */
function nodeIndexes(): number[] {
  if (!fs.existsSync(DATA_DIR)) return [];
  return fs.readdirSync(DATA_DIR).map((f) => /^node(\d+)$/.exec(f)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
}

const enodeId = (enode: string) => /^enode:\/\/([0-9a-f]{128})@/i.exec(enode)?.[1].toLowerCase();

/**
 * Writes the allowlist: the master copy, every node folder's permissioned-nodes.json (GoQuorum reads it again
 * at each new connection: a running node takes a change without restart; peers already connected stay until
 * their connection ends) and Besu's permissions TOML files (Besu reads them at start-up).
 */
function writeAllowlist(enodes: string[]): void {
  const json = `${JSON.stringify(enodes, null, 2)}\n`;
  fs.writeFileSync(allowlistFile(), json);
  for (const i of nodeIndexes()) fs.writeFileSync(path.join(nodeDir(i), PERMISSIONED_NODES), json);
  fs.writeFileSync(path.join(DATA_DIR, BESU_PERMISSIONS_FILE), besuPermissionsToml(enodes));
  const compose = nodeKeys().map((n) => enodeUrl(n, composeHost(n)));
  const others = enodes.filter((e) => !nodeKeys().some((n) => enodeId(e) === n.enodeId));
  fs.writeFileSync(path.join(DATA_DIR, BESU_COMPOSE_PERMISSIONS_FILE), besuPermissionsToml([...compose, ...others]));
}

/**
 * Adds a node to the allowlist of every node of this network (`network/cli.ts allow <enode>`), running or
 * not; returns false if it was already there. An enode URL is `enode://<128 hex digits>@<host>:<port>`.
 */
export function allowNode(enode: string): boolean {
  const id = enodeId(enode);
  if (!id) throw new Error(`"${enode}" is not an enode URL (enode://<128 hex digits of the node's public key>@<host>:<port>)`);
  const current = allowlist();
  if (current.some((e) => enodeId(e) === id)) return false;
  writeAllowlist([...current, enode]);
  return true;
}

/** Removes a node from every node's allowlist; returns false if it was not there. */
export function disallowNode(enode: string): boolean {
  const id = enodeId(enode);
  const current = allowlist();
  const kept = current.filter((e) => enodeId(e) !== id);
  if (kept.length === current.length) return false;
  writeAllowlist(kept);
  return true;
}

/**
 * Writes one node's data folder: its development node key (for Besu and for GoQuorum), its static peers
 * and the network's allowlist.
 */
export function prepareNode(node: NodeKey, staticPeers: string[]): string {
  const dir = nodeDir(node.index);
  fs.mkdirSync(path.join(dir, "geth"), { recursive: true });
  fs.writeFileSync(path.join(dir, "key"), node.privateKey.slice(2)); // Besu's --node-private-key-file
  fs.writeFileSync(path.join(dir, "geth", "nodekey"), node.privateKey.slice(2)); // GoQuorum reads <datadir>/geth/nodekey
  fs.writeFileSync(path.join(dir, "static-nodes.json"), `${JSON.stringify(staticPeers, null, 2)}\n`); // GoQuorum reads <datadir>/static-nodes.json
  fs.writeFileSync(path.join(dir, PERMISSIONED_NODES), `${JSON.stringify(allowlist(), null, 2)}\n`);
  return dir;
}

/** The client the network was started with (network/data/network.json); GoQuorum before any start. */
const currentClient = (): Client => (fs.existsSync(launchFile()) ? launch().client : "geth");

/** A node's IPC socket: the only interface with the admin and QBFT voting APIs (network/ipc.ts). */
export function ipcPath(i: number): string {
  const client = currentClient();
  return path.join(nodeDir(i), client === "geth" ? "geth.ipc" : "besu.ipc");
}

/** A JSON-RPC call on node i's IPC socket. */
export function ipc<T>(i: number, method: string, params: unknown[] = []): Promise<T> {
  return ipcCall<T>(ipcPath(i), method, params);
}

/** The validator set at the head, as node i sees it (GoQuorum istanbul_getValidators, Besu qbft_*), over IPC. */
export async function validatorsOf(i: number): Promise<string[]> {
  const client = currentClient();
  const set = client === "geth"
    ? await ipc<string[]>(i, "istanbul_getValidators", ["latest"])
    : await ipc<string[]>(i, "qbft_getValidatorsByBlockNumber", ["latest"]);
  return set.map((a) => getAddress(a));
}

/**
 * Casts node i's vote to add (`add` true) or remove a validator: the node puts it in the blocks it proposes
 * until it takes effect; it does once more than half of the current validators voted alike. Over IPC.
 */
export async function proposeValidator(i: number, address: string, add: boolean): Promise<void> {
  const client = currentClient();
  if (client === "geth") await ipc(i, "istanbul_propose", [address, add]);
  else await ipc(i, "qbft_proposeValidatorVote", [address, add]);
}

/** Withdraws node i's pending vote about `address` (after it took effect, or to abandon it). */
export async function discardVote(i: number, address: string): Promise<void> {
  const client = currentClient();
  if (client === "geth") await ipc(i, "istanbul_discard", [address]);
  else await ipc(i, "qbft_discardValidatorVote", [address]);
}

/**
 * Writes the generated network: both genesis files, each validator's development key, static nodes, the
 * allowlist of the bank's nodes and the start commands (start.sh) a person can run by hand.
 */
export function generate(client: Client, gethBin = "geth", sites?: SiteLayout): NodeKey[] {
  const nodes = nodeKeys();
  const validators = nodes.map((n) => n.address);
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const notice = "DEVELOPMENT KEYS of the local QBFT network, derived from the public Hardhat test mnemonic. Never use them elsewhere.";
  fs.writeFileSync(path.join(DATA_DIR, "README.txt"), `${notice}\nmnemonic: ${DEV_MNEMONIC}\nprefunded accounts: ${devAccounts().join(", ")}\n`);
  fs.writeFileSync(path.join(DATA_DIR, "genesis.geth.json"), `${JSON.stringify(gethGenesis(validators), null, 2)}\n`);
  fs.writeFileSync(path.join(DATA_DIR, "genesis.besu.json"), `${JSON.stringify(besuGenesis(validators), null, 2)}\n`);
  const staticNodes = `${JSON.stringify(nodes.map((n) => enodeUrl(n)), null, 2)}\n`;
  fs.writeFileSync(path.join(DATA_DIR, "static-nodes.json"), staticNodes);
  const composeNodes = nodes.map((n) => enodeUrl(n, composeHost(n)));
  fs.writeFileSync(path.join(DATA_DIR, "static-nodes.besu.json"), `${JSON.stringify(composeNodes, null, 2)}\n`);
  // the validators, and every node the bank allowed since (a new generation keeps them)
  // GoQuorum's file permissioning matches a peer by node id alone (permission/core: ID() of each entry), not by
  // address, so in sites the allowlist names each validator at its site while it is reached through a proxy
  const allowed = nodes.map((n) => enodeUrl(n, sites?.hosts[n.index]));
  writeAllowlist([...allowed, ...allowlist().filter((e) => !allowed.some((a) => enodeId(a) === enodeId(e)))]);
  for (const node of nodes) {
    const dir = prepareNode(node, sites ? sites.peers[node.index] : nodes.map((n) => enodeUrl(n)));
    const site = sites ? { host: sites.hosts[node.index], netrestrict: sites.netrestrict } : {};
    const inSite = sites ? ["ip", "netns", "exec", sites.netns[node.index]] : [];
    const command = client === "geth" ? [...inSite, gethBin, ...gethArgs(node, dir, site)] : ["besu", ...besuCommand(node)];
    const quoted = command.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
    fs.writeFileSync(path.join(dir, "start.sh"), `#!/usr/bin/env bash\n# ${notice}\nexport PRIVATE_CONFIG=ignore\nexec ${quoted}\n`, { mode: 0o755 });
  }
  return nodes;
}

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

/**
 * The process id of a running validator, read from its pid file; a pid that the system gave to another
 * process since (its command line does not name this node's data folder) does not count.
 */
export function running(i: number): number | undefined {
  if (!fs.existsSync(pidFile(i))) return undefined;
  const pid = Number(fs.readFileSync(pidFile(i), "utf8"));
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (fs.existsSync(cmdline) && !fs.readFileSync(cmdline, "utf8").split("\0").includes(nodeDir(i))) return undefined;
  return pid;
}

/** Whether something already accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}


/** How the running network was started (network/data/network.json): the client and its binary. */
interface Launch {
  client: Client;
  command: string;
  /** Set when each validator runs in its own site (network/sites.ts). */
  sites?: SiteLayout;
}
const launchFile = () => path.join(DATA_DIR, "network.json");

function besuCommand(node: NodeKey): string[] {
  const file = (name: string) => path.join(DATA_DIR, name);
  return besuArgs(node, nodeDir(node.index), file("genesis.besu.json"), file("static-nodes.json"), file(BESU_PERMISSIONS_FILE));
}

function launch(): Launch {
  if (!fs.existsSync(launchFile())) throw new Error(`the QBFT network was never started here (no ${launchFile()}): run npm run network:up`);
  return JSON.parse(fs.readFileSync(launchFile(), "utf8")) as Launch;
}

/**
 * Starts one node in the background from its data folder (logs in network/data/nodeN/node.log): a validator,
 * or a node written by prepareNode (GoQuorum options: see gethArgs).
 */
export function startNode(node: NodeKey, options: GethOptions = {}): void {
  if (running(node.index)) return;
  const { client, command } = launch();
  const dir = nodeDir(node.index);
  const env = { ...process.env, PRIVATE_CONFIG: "ignore" };
  let args: string[];
  let program = command;
  const site = siteOf(node.index);
  if (client === "geth") {
    // `geth init` writes the genesis into a new data folder and refuses a folder made from another one
    // (which would otherwise silently keep that chain's rules)
    const init = spawnSync(command, ["init", "--datadir", dir, path.join(DATA_DIR, "genesis.geth.json")], { encoding: "utf8", env });
    if (init.status !== 0) {
      const reason = `${init.stderr}${init.stdout}`.split("\n").find((l) => /Fatal|incompatible|mismatch/i.test(l)) ?? `exit ${init.status}`;
      throw new Error(`node${node.index}: ${dir} does not take network/data/genesis.geth.json (${reason.trim()}): run npm run network:down -- --reset to start a new chain`);
    }
    args = gethArgs(node, dir, site ? { ...options, host: site.host, netrestrict: site.netrestrict } : options);
    // `ip netns exec` enters the site's namespace and then executes geth: the pid stays the node's
    if (site) [program, args] = ["ip", ["netns", "exec", site.netns, command, ...args]];
  } else {
    args = besuCommand(node);
  }
  const logFd = fs.openSync(path.join(dir, "node.log"), "a");
  const child = spawn(program, args, { detached: true, stdio: ["ignore", logFd, logFd], env });
  child.unref();
  fs.closeSync(logFd);
  fs.writeFileSync(pidFile(node.index), String(child.pid));
}

/**
 * Stops one validator and waits for its process to end: SIGTERM lets it write its state to disk; SIGKILL
 * (fault tests) ends it at once, as a crash would.
 */
export async function stopNode(index: number, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
  const pid = running(index);
  if (pid === undefined) return;
  process.kill(pid, signal);
  for (let waited = 0; waited < 30_000 && running(index); waited += 200) await sleep(200);
  if (running(index)) process.kill(pid, "SIGKILL");
  fs.rmSync(pidFile(index), { force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the four validators (building the node first if needed) and returns once blocks are produced. */
export async function up(client: Client, log: (line: string) => void = console.log, sites?: SiteLayout): Promise<NodeKey[]> {
  if (sites && client !== "geth") throw new Error("sites run GoQuorum only");
  if (client === "besu" && !onPath("besu")) throw new NetworkBlocked("--client besu: no besu on the PATH");
  const command = client === "geth" ? resolveGeth(log).path : "besu";
  const nodes = nodeKeys();
  for (const node of nodes) {
    if (running(node.index) || sites) continue;
    for (const port of [node.rpcPort, node.p2pPort]) {
      if (await portInUse(port)) throw new Error(`127.0.0.1:${port} (node${node.index}) is already in use by another process: stop it first; nothing was started`);
    }
  }
  generate(client, command, sites);
  const started: Launch = { client, command, sites };
  fs.writeFileSync(launchFile(), `${JSON.stringify(started, null, 2)}\n`);
  try {
    for (const node of nodes) startNode(node);
    await waitForBlocks(nodes, 60_000);
  } catch (e) {
    await down(false, () => undefined);
    throw e;
  }
  log(`QBFT network up: ${nodes.length} validators, ${nodes.map(rpcUrl).join(", ")}`);
  return nodes;
}

/**
 * Waits until every validator this project started answers as itself (its QBFT address is the one of its
 * key) and its head advances; a node whose process ended fails at once, naming its log.
 */
export async function waitForBlocks(nodes: NodeKey[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    const log = path.join(nodeDir(node.index), "node.log");
    const provider = new JsonRpcProvider(rpcUrl(node), CHAIN_ID, { staticNetwork: true });
    try {
      let first: number | undefined;
      for (;;) {
        if (!running(node.index)) throw new Error(`node${node.index} exited; see ${log}`);
        try {
          await answersAsItself(node, provider);
          const head = await provider.getBlockNumber();
          first ??= head;
          if (head > first) break;
        } catch (e) {
          if ((e as Error).message.includes("another network holds the port")) throw e;
          // not answering yet
        }
        if (Date.now() > deadline) throw new Error(`node${node.index} (${rpcUrl(node)}) produced no block within ${timeoutMs / 1000} s; see ${log}`);
        await sleep(500);
      }
    } finally {
      provider.destroy();
    }
  }
}

/**
 * Checks that the node on the IPC socket of this node's data folder holds this node's key (admin_nodeInfo)
 * and that its HTTP port serves the same chain (the same hash for block 1, once there is one): the admin and
 * istanbul APIs are not on HTTP, so HTTP alone cannot say which node answers.
 */
async function answersAsItself(node: NodeKey, provider: JsonRpcProvider): Promise<void> {
  const info = await ipc<{ enode: string }>(node.index, "admin_nodeInfo");
  if (enodeId(info.enode) !== node.enodeId) throw new Error(`${ipcPath(node.index)} is not node${node.index}: another network holds the port`);
  // HTTP first: once block 1 is there, the node behind the IPC socket has it too if it is the same node
  const viaHttp = await provider.getBlock(1);
  if (!viaHttp) return;
  const viaIpc = await ipc<{ hash: string } | null>(node.index, "eth_getBlockByNumber", ["0x1", false]);
  if (viaIpc?.hash !== viaHttp.hash) {
    throw new Error(`${rpcUrl(node)} serves another chain than node${node.index} (block 1 ${viaHttp?.hash} against ${viaIpc?.hash}): another network holds the port`);
  }
}

/** Whether the local network answers as ours on node0 (its IPC socket is node0's and HTTP serves its chain). */
export async function isUp(): Promise<boolean> {
  const node = nodeKeys()[0];
  const provider = new JsonRpcProvider(rpcUrl(node), CHAIN_ID, { staticNetwork: true });
  try {
    await answersAsItself(node, provider);
    return true;
  } catch {
    return false;
  } finally {
    provider.destroy();
  }
}

/**
 * Runs `body` on the local network: starts it unless it is already up, and stops it again afterwards if
 * this call started it (whatever `body` did).
 */
export async function withNetwork<T>(body: () => Promise<T>, log: (line: string) => void = console.log): Promise<T> {
  const wasUp = await isUp();
  try {
    if (!wasUp) await up("geth", log);
    return await body();
  } finally {
    if (!wasUp) await down(false, log);
  }
}

export async function down(reset: boolean, log: (line: string) => void = console.log): Promise<void> {
  // the validators and every other node started from network/data/ (an added node, a test's outsider)
  for (const i of new Set([...nodeKeys().map((n) => n.index), ...nodeIndexes()])) await stopNode(i);
  if (reset) fs.rmSync(DATA_DIR, { recursive: true, force: true });
  log(`QBFT network stopped${reset ? " and its data removed" : ""}`);
}

export interface NodeStatus {
  node: number;
  url: string;
  running: boolean;
  head?: number;
  peers?: number;
  validators?: string[];
  error?: string;
}

/** Each validator's block height and peer count (JSON-RPC over HTTP) and validator set (over IPC). */
export async function status(): Promise<NodeStatus[]> {
  const result: NodeStatus[] = [];
  for (const node of nodeKeys()) {
    const entry: NodeStatus = { node: node.index, url: rpcUrl(node), running: running(node.index) !== undefined };
    const provider = new JsonRpcProvider(rpcUrl(node), CHAIN_ID, { staticNetwork: true });
    try {
      entry.head = await provider.getBlockNumber();
      entry.peers = Number(await provider.send("net_peerCount", []));
      entry.validators = await validatorsOf(node.index);
    } catch (e) {
      entry.error = (e as { shortMessage?: string }).shortMessage ?? (e as Error).message.split("\n")[0];
    }
    provider.destroy();
    result.push(entry);
  }
  return result;
}
