import { execFileSync, spawn, spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { JsonRpcProvider } from "ethers";
import {
  besuArgs, besuGenesis, CHAIN_ID, composeHost, DEV_MNEMONIC, devAccounts, enodeUrl, gethArgs, gethGenesis, nodeKeys, NodeKey,
} from "./genesis";

export type Client = "geth" | "besu";

const ROOT = __dirname;
export const DATA_DIR = process.env.QBFT_DATA_DIR ?? path.join(ROOT, "data");
/** Where the GoQuorum binary is cached (outside git), rebuilt only when missing. */
export const GETH_BIN = process.env.QBFT_GETH_BIN ?? path.join(ROOT, ".bin", "geth");
const WRAPPER_MODULE = path.join(ROOT, "geth");

/** The node could not be built or started: the message carries the exact cause. */
export class NetworkBlocked extends Error {}

const nodeDir = (i: number) => path.join(DATA_DIR, `node${i}`);
const pidFile = (i: number) => path.join(nodeDir(i), "node.pid");
export const rpcUrl = (node: NodeKey) => `http://127.0.0.1:${node.rpcPort}`;

/**
 * Writes the generated network: both genesis files, each validator's development key, static nodes and
 * the start commands (start-nodeN.sh) a person can run by hand.
 */
export function generate(client: Client): NodeKey[] {
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
      ? [GETH_BIN, ...gethArgs(node, dir)]
      : ["besu", ...besuArgs(node, dir, path.join(DATA_DIR, "genesis.besu.json"), path.join(DATA_DIR, "static-nodes.json"))];
    const quoted = command.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
    fs.writeFileSync(path.join(dir, "start.sh"), `#!/usr/bin/env bash\n# ${notice}\nexport PRIVATE_CONFIG=ignore\nexec ${quoted}\n`, { mode: 0o755 });
  }
  return nodes;
}

/**
 * Builds GoQuorum's geth from the wrapper module in network/geth (Go module proxy only), unless the cached
 * binary exists. The fjl/memsize dependency links into the runtime by name, which newer Go linkers refuse
 * unless -checklinkname=0.
 */
export function ensureGeth(log: (line: string) => void = console.log): string {
  if (fs.existsSync(GETH_BIN)) return GETH_BIN;
  log(`building GoQuorum geth into ${path.relative(process.cwd(), GETH_BIN)} (first run only)...`);
  fs.mkdirSync(path.dirname(GETH_BIN), { recursive: true });
  const build = spawnSync("go", ["build", "-trimpath", "-ldflags=-checklinkname=0", "-o", GETH_BIN, "github.com/ethereum/go-ethereum/cmd/geth"], {
    cwd: WRAPPER_MODULE,
    env: { ...process.env, GOFLAGS: "-mod=mod" },
    encoding: "utf8",
  });
  if (build.error) throw new NetworkBlocked(`cannot run go: ${build.error.message}`);
  if (build.status !== 0) {
    const proxies = spawnSync("go", ["env", "GOPROXY"], { encoding: "utf8" }).stdout.trim().split(/[,|]/).filter((p) => /^https?:/.test(p));
    let text = `${build.stderr}${build.stdout}`;
    for (const proxy of proxies) text = text.split(proxy.replace(/\/$/, "")).join("$GOPROXY");
    const lines = text.trim().split("\n").filter((l) => !/^go: downloading /.test(l));
    throw new NetworkBlocked(`building GoQuorum geth failed (go build exit ${build.status}):\n${lines.join("\n")}`);
  }
  return GETH_BIN;
}

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

function running(i: number): number | undefined {
  if (!fs.existsSync(pidFile(i))) return undefined;
  const pid = Number(fs.readFileSync(pidFile(i), "utf8"));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Starts one validator in the background (logs in network/data/nodeN/node.log). */
export function startNode(node: NodeKey, client: Client): void {
  if (running(node.index)) return;
  const dir = nodeDir(node.index);
  let command: string;
  let args: string[];
  if (client === "geth") {
    command = GETH_BIN;
    if (!fs.existsSync(path.join(dir, "geth", "chaindata"))) {
      execFileSync(GETH_BIN, ["init", "--datadir", dir, path.join(DATA_DIR, "genesis.geth.json")], { stdio: "ignore", env: { ...process.env, PRIVATE_CONFIG: "ignore" } });
    }
    args = gethArgs(node, dir);
  } else {
    command = "besu";
    args = besuArgs(node, dir, path.join(DATA_DIR, "genesis.besu.json"), path.join(DATA_DIR, "static-nodes.json"));
  }
  const logFd = fs.openSync(path.join(dir, "node.log"), "a");
  const child = spawn(command, args, { detached: true, stdio: ["ignore", logFd, logFd], env: { ...process.env, PRIVATE_CONFIG: "ignore" } });
  child.unref();
  fs.writeFileSync(pidFile(node.index), String(child.pid));
}

/** Stops one validator and waits for its process to end. */
export async function stopNode(index: number): Promise<void> {
  const pid = running(index);
  if (pid === undefined) return;
  process.kill(pid, "SIGTERM");
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
  const nodes = generate(client);
  if (client === "geth") ensureGeth(log);
  for (const node of nodes) startNode(node, client);
  await waitForBlocks(nodes, 60_000);
  log(`QBFT network up: ${nodes.length} validators, ${nodes.map(rpcUrl).join(", ")}`);
  return nodes;
}

/** Waits until every running node's head advances. */
export async function waitForBlocks(nodes: NodeKey[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    if (!running(node.index)) continue;
    const provider = new JsonRpcProvider(rpcUrl(node), CHAIN_ID, { staticNetwork: true });
    let first: number | undefined;
    for (;;) {
      try {
        const head = await provider.getBlockNumber();
        first ??= head;
        if (head > first) break;
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline) {
        throw new NetworkBlocked(`node${node.index} (${rpcUrl(node)}) produced no block within ${timeoutMs / 1000} s; see ${path.join(nodeDir(node.index), "node.log")}`);
      }
      await sleep(500);
    }
    provider.destroy();
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
