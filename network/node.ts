import { spawn, spawnSync } from "child_process";
import fs from "fs";
import net from "net";
import path from "path";
import { JsonRpcProvider } from "ethers";
import {
  besuArgs, besuGenesis, CHAIN_ID, composeHost, DEV_MNEMONIC, devAccounts, enodeUrl, gethArgs, gethGenesis, nodeKeys, NodeKey,
} from "./genesis";

import { NetworkBlocked, resolveGeth } from "./geth-binary";

export { NetworkBlocked } from "./geth-binary";
export type Client = "geth" | "besu";

export const DATA_DIR = process.env.QBFT_DATA_DIR ?? path.join(__dirname, "data");
/** The project's Hardhat binary (not npx), for suites and commands run against the network. */
export const HARDHAT = path.join(__dirname, "..", "node_modules", ".bin", "hardhat");

const nodeDir = (i: number) => path.join(DATA_DIR, `node${i}`);
const pidFile = (i: number) => path.join(nodeDir(i), "node.pid");
export const rpcUrl = (node: NodeKey) => `http://127.0.0.1:${node.rpcPort}`;

/**
 * Writes the generated network: both genesis files, each validator's development key, static nodes and
 * the start commands (start-nodeN.sh) a person can run by hand.
 */
export function generate(client: Client, gethBin = "geth"): NodeKey[] {
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
  for (const node of nodes) {
    const dir = nodeDir(node.index);
    fs.mkdirSync(path.join(dir, "geth"), { recursive: true });
    fs.writeFileSync(path.join(dir, "key"), node.privateKey.slice(2)); // Besu's --node-private-key-file
    fs.writeFileSync(path.join(dir, "geth", "nodekey"), node.privateKey.slice(2)); // GoQuorum reads <datadir>/geth/nodekey
    fs.writeFileSync(path.join(dir, "static-nodes.json"), staticNodes); // GoQuorum reads <datadir>/static-nodes.json
    const command = client === "geth"
      ? [gethBin, ...gethArgs(node, dir)]
      : ["besu", ...besuArgs(node, dir, path.join(DATA_DIR, "genesis.besu.json"), path.join(DATA_DIR, "static-nodes.json"))];
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
function portInUse(port: number): Promise<boolean> {
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
}
const launchFile = () => path.join(DATA_DIR, "network.json");

function launch(): Launch {
  if (!fs.existsSync(launchFile())) throw new Error(`the QBFT network was never started here (no ${launchFile()}): run npm run network:up`);
  return JSON.parse(fs.readFileSync(launchFile(), "utf8")) as Launch;
}

/** Starts one validator in the background from its data folder (logs in network/data/nodeN/node.log). */
export function startNode(node: NodeKey): void {
  if (running(node.index)) return;
  const { client, command } = launch();
  const dir = nodeDir(node.index);
  const env = { ...process.env, PRIVATE_CONFIG: "ignore" };
  let args: string[];
  if (client === "geth") {
    // `geth init` writes the genesis into a new data folder and refuses a folder made from another one
    // (which would otherwise silently keep that chain's rules)
    const init = spawnSync(command, ["init", "--datadir", dir, path.join(DATA_DIR, "genesis.geth.json")], { encoding: "utf8", env });
    if (init.status !== 0) {
      const reason = `${init.stderr}${init.stdout}`.split("\n").find((l) => /Fatal|incompatible|mismatch/i.test(l)) ?? `exit ${init.status}`;
      throw new Error(`node${node.index}: ${dir} does not take network/data/genesis.geth.json (${reason.trim()}): run npm run network:down -- --reset to start a new chain`);
    }
    args = gethArgs(node, dir);
  } else {
    args = besuArgs(node, dir, path.join(DATA_DIR, "genesis.besu.json"), path.join(DATA_DIR, "static-nodes.json"));
  }
  const logFd = fs.openSync(path.join(dir, "node.log"), "a");
  const child = spawn(command, args, { detached: true, stdio: ["ignore", logFd, logFd], env });
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
export async function up(client: Client, log: (line: string) => void = console.log): Promise<NodeKey[]> {
  if (client === "besu" && !onPath("besu")) throw new NetworkBlocked("--client besu: no besu on the PATH");
  const command = client === "geth" ? resolveGeth(log).path : "besu";
  const nodes = nodeKeys();
  for (const node of nodes) {
    if (running(node.index)) continue;
    for (const port of [node.rpcPort, node.p2pPort]) {
      if (await portInUse(port)) throw new Error(`127.0.0.1:${port} (node${node.index}) is already in use by another process: stop it first; nothing was started`);
    }
  }
  generate(client, command);
  const started: Launch = { client, command };
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
          const address = await provider.send("istanbul_nodeAddress", []) as string;
          if (address.toLowerCase() !== node.address.toLowerCase()) {
            throw new Error(`${rpcUrl(node)} answers as validator ${address}, not node${node.index} (${node.address}): another network holds the port`);
          }
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

/** Whether the local network answers as ours on node0 (its QBFT address is node0's). */
export async function isUp(): Promise<boolean> {
  const node = nodeKeys()[0];
  const provider = new JsonRpcProvider(rpcUrl(node), CHAIN_ID, { staticNetwork: true });
  try {
    const address = await provider.send("istanbul_nodeAddress", []) as string;
    return address.toLowerCase() === node.address.toLowerCase();
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
  for (const node of nodeKeys()) await stopNode(node.index);
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

/** Each node's block height, peer count and validator set, read over JSON-RPC. */
export async function status(): Promise<NodeStatus[]> {
  const result: NodeStatus[] = [];
  for (const node of nodeKeys()) {
    const entry: NodeStatus = { node: node.index, url: rpcUrl(node), running: running(node.index) !== undefined };
    const provider = new JsonRpcProvider(rpcUrl(node), CHAIN_ID, { staticNetwork: true });
    try {
      entry.head = await provider.getBlockNumber();
      entry.peers = Number(await provider.send("net_peerCount", []));
      entry.validators = await provider.send("istanbul_getValidators", ["latest"])
        .catch(() => provider.send("qbft_getValidatorsByBlockNumber", ["latest"])) as string[];
    } catch (e) {
      entry.error = (e as { shortMessage?: string }).shortMessage ?? (e as Error).message.split("\n")[0];
    }
    provider.destroy();
    result.push(entry);
  }
  return result;
}
