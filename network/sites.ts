import { spawn, spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { nodeKeys, VALIDATORS } from "./genesis";
import { cacheDir } from "./geth-binary";
import { DATA_DIR, down, portInUse, SiteLayout, sleep, up, useDataDir } from "./node";

/**
 * The QBFT network in sites: each validator in its own Linux network namespace (`qbs-n0`..`qbs-n3`) with
 * its own address (10.77.0.1..4 on a veth pair to the bridge `qbs-br`, 10.77.0.254, in the root
 * namespace), as validators in separate data centres. Every P2P link between two validators passes
 * through Toxiproxy in the root namespace: one proxy per directed pair (`n<from>-n<to>`, listening on
 * 10.77.0.254:<proxyPort(from, to)>, forwarding to the validator's own P2P port), so latency, jitter and
 * partitions are set per link through Toxiproxy's HTTP API (127.0.0.1:8549 only). Packet loss is real
 * kernel loss on a site's outgoing P2P traffic (an nftables rule in its namespace; no netem here). Each
 * validator's JSON-RPC listens on its site address, reachable from the root namespace. Needs root
 * (`ip netns`, veth, bridge): without it `sitesUp` fails with SitesUnavailable, naming the failed command.
 */

export const SITE_PREFIX = "qbs-";
export const BRIDGE = "qbs-br";
export const SUBNET = "10.77.0.0/24";
/** The root namespace's address on the bridge: the link proxies listen there. */
export const BRIDGE_HOST = "10.77.0.254";
export const siteHost = (i: number) => `10.77.0.${i + 1}`;
export const siteNetns = (i: number) => `${SITE_PREFIX}n${i}`;
const rootVeth = (i: number) => `${SITE_PREFIX}v${i}`;
/** The link proxy from validator `from` to validator `to` listens on BRIDGE_HOST at this port. */
export const proxyPort = (from: number, to: number) => 31000 + 10 * from + to;
export const proxyName = (from: number, to: number) => `n${from}-n${to}`;
export const TOXIPROXY_PORT = 8549;
const TOXIPROXY_API = `http://127.0.0.1:${TOXIPROXY_PORT}`;
export const TOXIPROXY_VERSION = "v2.5.0";
const TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2/cmd/server";
/** The sites network keeps its own folder beside the local network's (it never touches that one). */
export const SITES_DATA_DIR = path.join(DATA_DIR, "sites");
/** A partition holds a link's data (a latency toxic of an hour): TCP stays up and delivers it when healed. */
const PARTITION_MS = 3_600_000;
const LOSS_TABLE = "qbsloss";

/** Sites cannot be made here (no network namespaces, no Toxiproxy): the suite fails with this message. */
export class SitesUnavailable extends Error {}

function run(args: string[], what: string): string {
  const r = spawnSync(args[0], args.slice(1), { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) {
    const reason = (r.stderr || r.stdout || r.error?.message || `exit ${r.status}`).trim().split("\n")[0];
    throw new SitesUnavailable(`${what}: \`${args.join(" ")}\` failed: ${reason} (sites need root and Linux network namespaces)`);
  }
  return r.stdout;
}

/** Toxiproxy's server, built once from the Go module proxy into the cache beside geth (network/.bin or QBFT_CACHE_DIR). */
export function toxiproxyBinary(log: (line: string) => void = console.log): string {
  const dir = path.join(cacheDir(), `toxiproxy-${TOXIPROXY_VERSION}`);
  const bin = path.join(dir, "toxiproxy-server");
  const runs = (file: string) => spawnSync(file, ["-version"], { encoding: "utf8" }).stdout?.includes(`version ${TOXIPROXY_VERSION.slice(1)}`);
  if (fs.existsSync(bin) && runs(bin)) return bin;
  fs.mkdirSync(cacheDir(), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir(), ".toxiproxy-build-"));
  try {
    log(`building Toxiproxy ${TOXIPROXY_VERSION} (go install ${TOXIPROXY_MODULE}@${TOXIPROXY_VERSION}) into ${dir}...`);
    // the version is stamped as its release does (a module build would report "git")
    const stamp = `-ldflags=-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION.slice(1)}`;
    const build = spawnSync("go", ["install", stamp, `${TOXIPROXY_MODULE}@${TOXIPROXY_VERSION}`], {
      encoding: "utf8", timeout: 600_000, env: { ...process.env, GOBIN: tmp, GOFLAGS: "-buildvcs=false" },
    });
    const built = path.join(tmp, "server");
    if (build.status !== 0 || !fs.existsSync(built) || !runs(built)) {
      const reason = (build.stderr || build.error?.message || `exit ${build.status}`).trim().split("\n").slice(-1)[0];
      throw new SitesUnavailable(`Toxiproxy ${TOXIPROXY_VERSION} could not be built from the Go module proxy: ${reason}`);
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(built, bin);
    return bin;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes every namespace, veth and bridge with this module's prefix (leftovers of an earlier run too). */
export function removeSites(): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  for (const ns of list.split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(SITE_PREFIX))) {
    spawnSync("ip", ["netns", "delete", ns]);
  }
  const links = spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).stdout ?? "";
  for (const name of links.split("\n").map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]).filter((n): n is string => !!n && n.startsWith(SITE_PREFIX))) {
    spawnSync("ip", ["link", "delete", name]);
  }
}

/** The bridge, and per validator its namespace and veth pair with its site address. */
function createSites(): void {
  run(["ip", "link", "add", BRIDGE, "type", "bridge"], "creating the sites' bridge");
  run(["ip", "addr", "add", `${BRIDGE_HOST}/24`, "dev", BRIDGE], "addressing the bridge");
  run(["ip", "link", "set", BRIDGE, "up"], "bringing the bridge up");
  for (let i = 0; i < VALIDATORS; i++) {
    const ns = siteNetns(i);
    run(["ip", "netns", "add", ns], `creating the namespace of site ${i}`);
    run(["ip", "link", "add", rootVeth(i), "type", "veth", "peer", "name", "eth0", "netns", ns], `creating site ${i}'s veth pair`);
    run(["ip", "link", "set", rootVeth(i), "master", BRIDGE, "up"], `attaching site ${i} to the bridge`);
    run(["ip", "-n", ns, "addr", "add", `${siteHost(i)}/24`, "dev", "eth0"], `addressing site ${i}`);
    run(["ip", "-n", ns, "link", "set", "eth0", "up"], `bringing site ${i} up`);
    run(["ip", "-n", ns, "link", "set", "lo", "up"], `bringing site ${i}'s loopback up`);
  }
}

/** Each validator dials its peers through the link proxies (its static nodes), by their node keys. */
export function siteLayout(): SiteLayout {
  const nodes = nodeKeys();
  return {
    netns: nodes.map((n) => siteNetns(n.index)),
    hosts: nodes.map((n) => siteHost(n.index)),
    netrestrict: SUBNET,
    peers: nodes.map((a) => nodes.filter((b) => b.index !== a.index).map((b) => `enode://${b.enodeId}@${BRIDGE_HOST}:${proxyPort(a.index, b.index)}?discport=0`)),
  };
}

const toxiproxyPidFile = () => path.join(SITES_DATA_DIR, "toxiproxy.pid");

/** The pid of the Toxiproxy this module started (pid file, and the process is still Toxiproxy). */
function toxiproxyPid(): number | undefined {
  if (!fs.existsSync(toxiproxyPidFile())) return undefined;
  const pid = Number(fs.readFileSync(toxiproxyPidFile(), "utf8"));
  const cmdline = `/proc/${pid}/cmdline`;
  return fs.existsSync(cmdline) && fs.readFileSync(cmdline, "utf8").includes("toxiproxy-server") ? pid : undefined;
}

async function stopToxiproxy(): Promise<void> {
  const pid = toxiproxyPid();
  if (pid !== undefined) {
    process.kill(pid, "SIGTERM");
    for (let waited = 0; waited < 10_000 && toxiproxyPid() !== undefined; waited += 100) await sleep(100);
    if (toxiproxyPid() !== undefined) process.kill(pid, "SIGKILL");
  }
  fs.rmSync(toxiproxyPidFile(), { force: true });
}

async function api<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${TOXIPROXY_API}${route}`, {
    method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Toxiproxy ${method} ${route}: ${response.status} ${text.trim()}`);
  // most answers are JSON; /version is plain text
  return (response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T;
}

async function startToxiproxy(bin: string): Promise<void> {
  if (await portInUse(TOXIPROXY_PORT)) throw new Error(`127.0.0.1:${TOXIPROXY_PORT} (Toxiproxy's API) is already in use by another process: stop it first`);
  const logFd = fs.openSync(path.join(SITES_DATA_DIR, "toxiproxy.log"), "a");
  const child = spawn(bin, ["-host", "127.0.0.1", "-port", String(TOXIPROXY_PORT)], { detached: true, stdio: ["ignore", logFd, logFd] });
  child.unref();
  fs.closeSync(logFd);
  fs.writeFileSync(toxiproxyPidFile(), String(child.pid));
  for (const deadline = Date.now() + 15_000; ; await sleep(100)) {
    try {
      await api("GET", "/version");
      return;
    } catch (e) {
      if (toxiproxyPid() === undefined) throw new Error(`Toxiproxy exited at start; see ${path.join(SITES_DATA_DIR, "toxiproxy.log")}`);
      if (Date.now() > deadline) throw new Error(`Toxiproxy did not answer on ${TOXIPROXY_API} within 15 s: ${(e as Error).message}`);
    }
  }
}

/** One direction of data between two validators: a proxy and its Toxiproxy stream. */
interface Stream {
  proxy: string;
  stream: "upstream" | "downstream";
}

/**
 * The data sent from validator `from` to validator `to`: whichever of the two dialled, their one RLPx
 * connection runs through proxy from->to (upstream is from's data) or proxy to->from (downstream is).
 */
const streams = (from: number, to: number): Stream[] => [
  { proxy: proxyName(from, to), stream: "upstream" }, { proxy: proxyName(to, from), stream: "downstream" },
];

const pairs = () => nodeKeys().flatMap((a) => nodeKeys().filter((b) => b.index !== a.index).map((b) => [a.index, b.index] as const));

/** Per-link conditions of the running sites network, through Toxiproxy's API and tc. */
export class Links {
  /** Sets (or replaces) a latency toxic named `name` on every stream from `from` to `to`. */
  private async toxic(from: number, to: number, name: string, latency: number, jitter: number): Promise<void> {
    for (const s of streams(from, to)) {
      const toxicName = `${name}-${s.stream}`;
      const attributes = { latency, jitter };
      try {
        await api("POST", `/proxies/${s.proxy}/toxics`, { name: toxicName, type: "latency", stream: s.stream, toxicity: 1, attributes });
      } catch (e) {
        if (!(e as Error).message.includes(" 409 ")) throw e;
        await api("POST", `/proxies/${s.proxy}/toxics/${toxicName}`, { attributes });
      }
    }
  }

  private async removeToxic(from: number, to: number, name: string): Promise<void> {
    for (const s of streams(from, to)) {
      try {
        await api("DELETE", `/proxies/${s.proxy}/toxics/${name}-${s.stream}`);
      } catch (e) {
        if (!(e as Error).message.includes(" 404 ")) throw e;
      }
    }
  }

  /** One-way delay from `from` to `to`, in ms (`jitter`: +/- ms, uniform). */
  async latency(from: number, to: number, ms: number, jitter = 0): Promise<void> {
    await this.toxic(from, to, "latency", ms, jitter);
  }

  /** A round-trip time between two validators: RTT/2 each way. */
  async rtt(a: number, b: number, ms: number, jitter = 0): Promise<void> {
    await this.latency(a, b, ms / 2, jitter);
    await this.latency(b, a, ms / 2, jitter);
  }

  /** The same round-trip time on every link. */
  async rttAll(ms: number, jitter = 0): Promise<void> {
    for (const [a, b] of pairs()) if (a < b) await this.rtt(a, b, ms, jitter);
  }

  /** Cuts every link between the groups (both ways): their data is held until `heal`. */
  async partition(...groups: number[][]): Promise<void> {
    const group = (i: number) => groups.findIndex((g) => g.includes(i));
    for (const [a, b] of pairs()) if (group(a) !== group(b)) await this.toxic(a, b, "partition", PARTITION_MS, 0);
  }

  /**
   * Cuts every link between the groups by closing their proxies: open connections are dropped at once
   * and new ones refused (a firewall resetting sessions), until `heal`. The validators then redial.
   */
  async cut(...groups: number[][]): Promise<void> {
    const group = (i: number) => groups.findIndex((g) => g.includes(i));
    for (const [a, b] of pairs()) if (group(a) !== group(b)) await api("POST", `/proxies/${proxyName(a, b)}`, { enabled: false });
  }

  /** Ends every partition and cut; other link conditions stay. */
  async heal(): Promise<void> {
    for (const [a, b] of pairs()) {
      await this.removeToxic(a, b, "partition");
      await api("POST", `/proxies/${proxyName(a, b)}`, { enabled: true });
    }
  }

  /**
   * Kernel packet loss on validator i's outgoing P2P traffic (not its JSON-RPC answers): `percent` of its
   * packets at random, dropped by an nftables rule in its namespace (Debian's nftables; the kernel has no
   * netem). TCP retransmits what is lost, as across a lossy link between data centres.
   */
  loss(i: number, percent: number): void {
    this.clearLoss(i);
    const nft = (...args: string[]) => run(["ip", "netns", "exec", siteNetns(i), "nft", ...args], `packet loss on site ${i} (nftables)`);
    nft("add", "table", "inet", LOSS_TABLE);
    nft("add", "chain", "inet", LOSS_TABLE, "out", "{ type filter hook output priority 0; }");
    nft("add", "rule", "inet", LOSS_TABLE, "out", "ip", "daddr", BRIDGE_HOST, "tcp", "sport", "!=", String(nodeKeys()[i].rpcPort),
      "numgen", "random", "mod", "100000", "<", String(Math.round(percent * 1000)), "drop");
  }

  clearLoss(i: number): void {
    spawnSync("ip", ["netns", "exec", siteNetns(i), "nft", "delete", "table", "inet", LOSS_TABLE], { stdio: "ignore" });
  }

  /** Every link back to no delay, no loss, no partition. */
  async reset(): Promise<void> {
    await api("POST", "/reset");
    for (let i = 0; i < VALIDATORS; i++) this.clearLoss(i);
  }
}

/** A named set of link conditions for the sites network (bench:sites runs several; `test:qbft -- --sites` one). */
export interface LinkProfile {
  name: string;
  apply(links: Links): Promise<void>;
}

/** Sites 0 and 1 in one metropolitan area; 2 and 3 each in a distant region, over a lossy, jittery path. */
export const TWO_NEAR_TWO_FAR: LinkProfile = {
  name: "two-near-two-far (0-1 RTT 10 ms; 2, 3 RTT 40 ms +/-5 ms, 0.1% loss)",
  apply: async (links) => {
    await links.rtt(0, 1, 10);
    for (const [a, b] of [[0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]) await links.rtt(a, b, 40, 5);
    for (let i = 0; i < VALIDATORS; i++) links.loss(i, 0.1);
  },
};

/** Stops whatever an earlier sites run left: its validators, its Toxiproxy, its namespaces and bridge. */
async function stopLeftovers(): Promise<void> {
  useDataDir(SITES_DATA_DIR);
  if (fs.existsSync(SITES_DATA_DIR)) await down(false, () => undefined);
  await stopToxiproxy();
  removeSites();
}

/**
 * Starts the network in sites on a new chain (SITES_DATA_DIR): namespaces, Toxiproxy and its 12 link
 * proxies, then the validators; returns once each produces blocks. On failure everything is undone.
 */
export async function sitesUp(log: (line: string) => void = console.log): Promise<Links> {
  if (process.platform !== "linux") throw new SitesUnavailable("sites need Linux network namespaces");
  await stopLeftovers();
  fs.rmSync(SITES_DATA_DIR, { recursive: true, force: true });
  fs.mkdirSync(SITES_DATA_DIR, { recursive: true });
  const bin = toxiproxyBinary(log);
  try {
    createSites();
    await startToxiproxy(bin);
    for (const [from, to] of pairs()) {
      await api("POST", "/proxies", { name: proxyName(from, to), listen: `${BRIDGE_HOST}:${proxyPort(from, to)}`, upstream: `${siteHost(to)}:${nodeKeys()[to].p2pPort}`, enabled: true });
    }
    await up("geth", log, siteLayout());
  } catch (e) {
    await sitesDown(() => undefined);
    throw e;
  }
  log(`QBFT network in ${VALIDATORS} sites (${siteLayout().hosts.join(", ")}), links through Toxiproxy on ${TOXIPROXY_API}`);
  return new Links();
}

/** Stops the validators and Toxiproxy (by their pids) and removes the namespaces, veths and bridge. */
export async function sitesDown(log: (line: string) => void = console.log): Promise<void> {
  useDataDir(SITES_DATA_DIR);
  await down(false, () => undefined);
  await stopToxiproxy();
  removeSites();
  log("QBFT sites stopped: validators, Toxiproxy, namespaces and bridge removed");
}
