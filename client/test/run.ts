import { ChildProcess, spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { networkSettings } from "../../lib/networks";
import { freePort, rpcAnswers } from "../../lib/ports";
import { startHardhatNode } from "../../test/helpers/node";

const ROOT = path.join(__dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");
const SUITE = "client/test/wallet.browser.test.ts";
const USAGE = "usage: npm run test:client [-- --network <name>]";

/** The ports the node and the page take: 8700-8799, or with CLIENT_TEST_PORT=<n> the 50 ports from n. */
function testPorts(text: string | undefined): [number, number] {
  if (text === undefined || text.trim() === "") return [8700, 8799];
  const port = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || port < 1024 || port + 49 > 65535) throw new Error(`CLIENT_TEST_PORT="${text}" is not a port number from 1024 to 65486`);
  return [port, port + 49];
}

/**
 * `npm run test:client`: the client page in headless Chromium against a `hardhat node` of its own on a
 * free port in 8700-8799, or from CLIENT_TEST_PORT on (the 50 ports from it), stopped by its pid at the end;
 * the page is served on a free port of the rest of that range. `-- --network <name>` (or CLIENT_TEST_NETWORK)
 * runs it against that already running network instead, for example `qbft` after `npm run network:up`.
 * Either way the suite is deployed afresh into a temporary DEPLOYMENTS_DIR: the network's own record
 * is neither read nor written.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let network = process.env.CLIENT_TEST_NETWORK?.trim() || undefined;
  if (argv.length > 0) {
    if (argv[0] !== "--network" || !argv[1] || argv.length > 2) throw new Error(USAGE);
    network = argv[1];
  }
  const deployments = fs.mkdtempSync(path.join(os.tmpdir(), "client-test-deployments-"));
  const env: NodeJS.ProcessEnv = { ...process.env, DEPLOYMENTS_DIR: deployments };
  delete env.HARDHAT_NETWORK;
  let node: ChildProcess | undefined;
  const started = Date.now();
  try {
    if (network === undefined) {
      const [from, to] = testPorts(env.CLIENT_TEST_PORT);
      const port = await freePort(from, to);
      env.RPC_TEST_PORT = String(port);
      env.CLIENT_TEST_PAGE_PORTS = `${port + 1}-${to}`;
      network = "localhost";
      console.log(`starting hardhat node on 127.0.0.1:${port}`);
      node = await startHardhatNode(port, env);
    } else {
      const setting = networkSettings(env)[network];
      if (!setting) throw new Error(`unknown network "${network}" (known: ${Object.keys(networkSettings(env)).join(", ")})`);
      const url = (setting.config as { url?: string }).url;
      if (!url) throw new Error(`network "${network}" has no JSON-RPC endpoint a browser wallet could reach`);
      if (!(await rpcAnswers(url))) throw new Error(`network "${network}" does not answer at ${url}: start it first (npm run network:up for qbft)`);
    }
    const result = spawnSync(HARDHAT, ["test", "--network", network, SUITE], { cwd: ROOT, env, stdio: "inherit" });
    process.exitCode = result.status ?? 1;
  } finally {
    if (node?.pid && node.exitCode === null) process.kill(node.pid);
    fs.rmSync(deployments, { recursive: true, force: true });
    console.log(`client browser test on ${network ?? "?"}: ${((Date.now() - started) / 1000).toFixed(1)} s in all (node start, compile check, deployment, browser)`);
  }
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  process.exitCode = 1;
});
