import { ChildProcess, spawn, spawnSync } from "child_process";
import crypto from "crypto";
import fs from "fs";
import os from "os";
import path from "path";
import { encryptKeystoreJson, Wallet } from "ethers";
import { freePort } from "../lib/ports";
import { buildFromSource, cachedBuilds, QuorumCommand, readEntry, sourceKey } from "./geth-binary";

/**
 * Clef, GoQuorum's external signer, as the reference signing service of the `external` signer backend
 * (lib/signers/external.ts). Its binary comes from, in this order: `CLEF_BIN` (a binary the user has);
 * the cached build for `QUORUM_SRC` (network/.bin/<source key>/clef, beside geth); a build of QUORUM_SRC;
 * the newest cached build. The GoQuorum source lacks the generated 4-byte selector database
 * (signer/fourbyte/4byte.go), so the build adds an empty one: Clef then knows no method by its selector,
 * and the backend gives it the method signature of every call.
 */

const FOURBYTE_STUB = `package fourbyte

import "fmt"

// Asset returns an empty 4-byte selector database: callers give the method signature of each call.
func Asset(name string) ([]byte, error) {
	if name == "4byte.json" {
		return []byte("{}"), nil
	}
	return nil, fmt.Errorf("asset %s not found", name)
}
`;

/** `clef --version` in one line; throws when the binary does not run as clef. */
export function clefVersion(bin: string): string {
  const run = spawnSync(bin, ["--version"], { encoding: "utf8" });
  const text = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
  if (run.error || run.status !== 0) {
    throw new Error(`${bin} does not run as clef (\`${bin} --version\` ${run.error ? `failed: ${run.error.message}` : `exited ${run.status}`})`);
  }
  if (!/^clef version /im.test(text)) throw new Error(`${bin} is not clef (\`${bin} --version\` printed "${text.split("\n")[0]}")`);
  return text.split("\n").find((l) => /^clef version /i.test(l))!;
}

export const CLEF: QuorumCommand = {
  name: "clef",
  entryFile: "clef.json",
  overlay: { "signer/fourbyte/4byte.go": FOURBYTE_STUB },
  check: clefVersion,
};

/** Finds or builds clef (see above); logs where it came from. */
export function resolveClef(log: (line: string) => void = console.log): { path: string; version: string } {
  const found = findClef(log);
  const version = clefVersion(found);
  log(`clef: ${version}: ${path.relative(process.cwd(), found) || found}`);
  return { path: found, version };
}

function findClef(log: (line: string) => void): string {
  const own = process.env.CLEF_BIN?.trim();
  if (own) {
    if (!fs.existsSync(own)) throw new Error(`CLEF_BIN=${own}: no such file`);
    return path.resolve(own);
  }
  const src = process.env.QUORUM_SRC?.trim();
  if (src) {
    const { key, kind } = sourceKey(src);
    return readEntry(key, CLEF)?.path ?? buildFromSource(src, key, kind, log, CLEF);
  }
  const newest = cachedBuilds(CLEF)[0];
  if (newest) return newest.path;
  throw new Error("no clef: set CLEF_BIN to a clef binary, or QUORUM_SRC to a GoQuorum v24.4.1 source tree or archive to build it from");
}

export interface ClefOptions {
  /** The chain id Clef signs for (EIP-155). */
  chainId: number;
  /** The account's private key (a known account); a random one when absent. */
  privateKey?: string;
  /** The port on 127.0.0.1; a free one in `ports` when absent. */
  port?: number;
  /** The range to pick a free port from: [first, last]. */
  ports?: [number, number];
  /** The clef binary; resolveClef() when absent. */
  bin?: string;
  /** How long to wait for the service to answer, in ms (default 30 s). */
  startTimeoutMs?: number;
  /** scrypt N of the account's keystore: Clef decrypts it on every request (default 2^12 for tests). */
  scryptN?: number;
}

export interface RunningClef {
  url: string;
  address: string;
  pid: number;
  /** The configuration folder (master seed, vault, rules, keystore, the 4-byte selectors Clef learnt), removed by stop(). */
  dir: string;
  /** What Clef wrote to stderr so far (its log). */
  log: () => string;
  /** Kills the process by its id, waits for it to exit (bounded), removes the folder. */
  stop: () => Promise<void>;
}

/** The rules: list accounts; sign transactions and EIP-712 typed data for `address` only; refuse anything else. */
export function clefRules(address: string): string {
  return `// signs transactions and EIP-712 typed data for one account; refuses everything else
var ACCOUNT = "${address.toLowerCase()}";
function isAccount(a) { return String(a).toLowerCase() === ACCOUNT; }
function ApproveListing(req) { return "Approve"; }
function ApproveTx(req) {
  try { return isAccount(req.transaction.from) ? "Approve" : "Reject"; } catch (e) { return "Reject"; }
}
function ApproveSignData(req) {
  try { return isAccount(req.address) && req.content_type === "data/typed" ? "Approve" : "Reject"; } catch (e) { return "Reject"; }
}
function ApproveNewAccount(req) { return "Reject"; }
function OnSignerStartup(info) {}
function OnApprovedTx(tx) {}
`;
}

/** Runs a clef subcommand to completion with `lines` on stdin (its password prompts), bounded. */
function clefCommand(bin: string, args: string[], lines: string[]): void {
  const run = spawnSync(bin, ["--suppress-bootwarn", ...args], { input: `${lines.join("\n")}\n`, encoding: "utf8", timeout: 60_000 });
  if (run.error || run.status !== 0) {
    const text = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`clef ${args.filter((a) => !a.startsWith("/")).join(" ")} failed (${run.error?.message ?? `exit ${run.status}`}): ${text}`);
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "account_version", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts Clef for a test: a temporary folder with its master seed, the account's keystore, its password
 * in Clef's vault and the attested rules; HTTP on 127.0.0.1. Resolves once it answers; the caller stops it.
 */
export async function startClef(options: ClefOptions): Promise<RunningClef> {
  const bin = options.bin ?? resolveClef(() => undefined).path;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clef-"));
  let child: ChildProcess | undefined;
  let stopOnExit = () => {};
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const config = path.join(dir, "config");
    const keystore = path.join(dir, "keystore");
    fs.mkdirSync(keystore, { mode: 0o700 });
    const master = crypto.randomBytes(16).toString("hex");
    const password = crypto.randomBytes(16).toString("hex");
    const wallet = options.privateKey ? new Wallet(options.privateKey) : Wallet.createRandom();
    const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: options.scryptN ?? 1 << 12 } });
    fs.writeFileSync(path.join(keystore, `UTC--${wallet.address.slice(2).toLowerCase()}.json`), json, { mode: 0o600 });
    const rules = path.join(dir, "rules.js");
    const text = clefRules(wallet.address);
    fs.writeFileSync(rules, text, { mode: 0o600 });
    const digest = crypto.createHash("sha256").update(text).digest("hex");

    clefCommand(bin, ["--configdir", config, "init"], [master, master]);
    clefCommand(bin, ["--configdir", config, "attest", digest], [master]);
    clefCommand(bin, ["--configdir", config, "--keystore", keystore, "setpw", wallet.address], [password, password, master]);

    const port = options.port ?? (await freePort(...(options.ports ?? [8750, 8799])));
    const url = `http://127.0.0.1:${port}`;
    let stderr = "";
    child = spawn(bin, [
      "--suppress-bootwarn", "--configdir", config, "--keystore", keystore, "--chainid", String(options.chainId),
      "--rules", rules, "--4bytedb-custom", path.join(dir, "4byte-custom.json"), "--nousb", "--ipcdisable", "--http", "--http.addr", "127.0.0.1", "--http.port", String(port), "--loglevel", "3",
    ], { stdio: ["pipe", "ignore", "pipe"] });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => { stderr = (stderr + chunk).slice(-20_000); });
    child.stdin!.write(`${master}\n`);
    let exited = false;
    child.once("exit", () => { exited = true; });
    stopOnExit = stopWithParent(child, cleanup);

    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    while (!(await answers(url))) {
      if (exited) throw new Error(`clef exited before answering on ${url}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
      if (Date.now() > deadline) throw new Error(`clef did not answer on ${url} within ${options.startTimeoutMs ?? 30_000} ms: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const running = child;
    return {
      url,
      address: wallet.address,
      pid: running.pid!,
      dir,
      log: () => stderr,
      stop: async () => {
        stopOnExit();
        await kill(running, () => exited);
        cleanup();
      },
    };
  } catch (e) {
    stopOnExit();
    if (child) await kill(child, () => child!.exitCode !== null || child!.signalCode !== null);
    cleanup();
    throw e;
  }
}

/**
 * Kills `child` by its id and removes its folder when this process exits or is interrupted (SIGINT,
 * SIGTERM), so that no Clef outlives its test; the interrupt then ends this process as it would have.
 * Returns the undo.
 */
function stopWithParent(child: ChildProcess, cleanup: () => void): () => void {
  const killNow = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    cleanup();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killNow();
    undo();
    process.kill(process.pid, signal);
  };
  const undo = () => {
    process.removeListener("exit", killNow);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  };
  process.once("exit", killNow);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return undo;
}

/** SIGTERM by process id, then SIGKILL after 5 s; resolves once the process has exited (bounded to 10 s). */
async function kill(child: ChildProcess, exited: () => boolean): Promise<void> {
  if (exited() || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => { if (!exited()) process.kill(child.pid!, "SIGKILL"); }, 5_000);
  await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
  clearTimeout(timer);
}
