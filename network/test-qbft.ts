import { spawnSync } from "child_process";
import path from "path";
import { JsonRpcProvider } from "ethers";
import { CHAIN_ID, nodeKeys } from "./genesis";
import { runMain } from "./main";
import { down, rpcUrl, up } from "./node";

/** The suites that run against the QBFT network, by the name `npm run test:qbft|test:faults` passes. */
const SUITES: Record<string, string> = {
  lifecycle: "network/test/lifecycle.test.ts",
  faults: "network/test/faults.test.ts",
};

/**
 * `npm run test:qbft` (lifecycle) and `npm run test:faults`: start the local QBFT network unless it is
 * already running, run the suite against it over JSON-RPC (`--network qbft`), and stop the network again
 * if this run started it. Exit code 3: the node could not be had at all (see network/geth-binary.ts).
 */
async function main(): Promise<void> {
  const name = process.argv[2] ?? "lifecycle";
  const suite = SUITES[name];
  if (!suite) throw new Error(`unknown suite "${name}" (known: ${Object.keys(SUITES).join(", ")})`);
  const provider = new JsonRpcProvider(rpcUrl(nodeKeys()[0]), CHAIN_ID, { staticNetwork: true });
  const running = await provider.send("istanbul_getValidators", ["latest"]).then(() => true, () => false);
  provider.destroy();
  if (!running) await up("geth");
  try {
    const hardhat = path.join(__dirname, "..", "node_modules", ".bin", "hardhat");
    const result = spawnSync(hardhat, ["test", "--network", "qbft", suite], { stdio: "inherit" });
    process.exitCode = result.status ?? 1;
  } finally {
    if (!running) await down(false);
  }
}

runMain(main);
