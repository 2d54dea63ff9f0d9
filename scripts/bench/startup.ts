/**
 * Start-up time of the commands: `npx ts-node scripts/bench/startup.ts [runs]` (default 5 runs each).
 *
 * Starts its own `hardhat node` on 127.0.0.1 (a free port in 8800-8849), deploys the suite to it into a
 * temporary DEPLOYMENTS_DIR, then times, as an operator types them, a read-only command
 * (`npx hardhat status --network localhost`), the list of commands (`npx hardhat --help`) and a command's
 * usage, which is start-up alone (`npx hardhat help status`). Each is timed twice per run, interleaved:
 * with every file transpiled afresh (`TS_TRANSPILE_CACHE=off`, the baseline) and from the transpile cache
 * (lib/ts-transpiler.js), warmed by the deployment. Prints median, min and max wall time in seconds per
 * command and way; stops the node it started, by its pid, and removes the directory. The whole run is
 * bounded to two minutes; past that it stops what it started and exits 1.
 */
import { ChildProcess, spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { startHardhatNode } from "../../test/helpers/node";
import { freePort } from "../../lib/ports";

const ROOT = path.join(__dirname, "..", "..");
const DEADLINE_MS = 115_000;

const started = Date.now();
const children = new Set<ChildProcess>();

/** Runs a command to its end (bounded by what is left of the deadline), returning its wall time in seconds. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const begin = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    children.add(child);
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.pid && child.kill(), Math.max(1, DEADLINE_MS - (Date.now() - started)));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`${cmd} ${args.join(" ")} exited with ${code ?? signal}: ${stderr.trim().split("\n")[0] ?? ""}`));
    });
  });
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? "5");
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error(`runs must be a whole number from 1 to 20, not ${process.argv[2]}`);

  const port = await freePort(8800, 8849);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-bench-"));
  const env: NodeJS.ProcessEnv = { ...process.env, RPC_TEST_PORT: String(port), DEPLOYMENTS_DIR: dir };
  delete env.DEPLOY_IN_PROCESS;
  let node: ChildProcess | undefined;
  const deadline = setTimeout(() => {
    console.error(`error: the benchmark took more than ${DEADLINE_MS / 1000} s; stopping what it started`);
    for (const c of children) if (c.pid && c.exitCode === null) c.kill();
    if (node?.pid && node.exitCode === null) process.kill(node.pid);
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }, DEADLINE_MS);
  try {
    node = await startHardhatNode(port, env);
    console.log(`hardhat node on 127.0.0.1:${port} (pid ${node.pid}); deploying into ${dir}`);
    await timed("npx", ["hardhat", "run", "deploy/deploy.ts", "--network", "localhost"], env);

    const commands: [string, string[]][] = [
      ["npx hardhat status --network localhost", ["hardhat", "status", "--network", "localhost"]],
      ["npx hardhat --help", ["hardhat", "--help"]],
      ["npx hardhat help status", ["hardhat", "help", "status"]],
    ];
    const ways: [string, NodeJS.ProcessEnv][] = [
      ["afresh", { ...env, TS_TRANSPILE_CACHE: "off" }],
      ["cached", { ...env, TS_TRANSPILE_CACHE: "on" }],
    ];
    const times = new Map<string, number[]>(commands.flatMap(([label]) => ways.map(([way]) => [`${label}|${way}`, []] as [string, number[]])));
    // Interleaved, so a burst of load on the machine falls on every command and way alike.
    for (let i = 0; i < runs; i++) {
      for (const [label, args] of commands) {
        for (const [way, wayEnv] of ways) times.get(`${label}|${way}`)!.push(await timed("npx", args, wayEnv));
      }
    }
    console.log(`\n${runs} runs each, wall time in seconds (load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}, ${os.cpus().length} CPUs)`);
    const cell = (xs: number[]) => {
      const { median, min, max } = stats(xs);
      return `${median.toFixed(2).padStart(6)} ${min.toFixed(2).padStart(5)} ${max.toFixed(2).padStart(5)}`;
    };
    console.log(`${"".padEnd(40)} ${"transpiled afresh".padEnd(18)} ${"from the cache".padEnd(18)}`);
    console.log(`${"command".padEnd(40)} ${"median   min   max".padEnd(18)} ${"median   min   max".padEnd(18)} saved`);
    for (const [label] of commands) {
      const afresh = times.get(`${label}|afresh`)!;
      const cached = times.get(`${label}|cached`)!;
      const saved = 1 - stats(cached).median / stats(afresh).median;
      console.log(`${label.padEnd(40)} ${cell(afresh)} ${cell(cached)} ${(saved * 100).toFixed(0).padStart(4)}%`);
    }
  } finally {
    clearTimeout(deadline);
    if (node?.pid && node.exitCode === null) process.kill(node.pid);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
