import { spawnSync } from "child_process";
import { runMain } from "./main";
import { HARDHAT, withNetwork } from "./node";

const SITES_SUITE = "network/test/sites.test.ts";

/** The suites that run against the QBFT network, by the name `npm run test:qbft|test:faults|test:qbft-hsm` passes. */
const SUITES: Record<string, string> = {
  lifecycle: "network/test/lifecycle.test.ts",
  faults: "network/test/faults.test.ts",
  permissioning: "network/test/permissioning.test.ts",
  hsm: "network/test/deploy-hsm.test.ts",
};

/**
 * `npm run test:qbft` (lifecycle), `npm run test:faults`, `npm run test:qbft-hsm` (a deployment signed with HSM keys) and
 * `npm run test:permissioning` (node allowlist, validator votes): start the local QBFT network unless it is
 * already running, run the suite against it over JSON-RPC (`--network qbft`), and stop the network again
 * if this run started it; `faults` also runs the sites suite (network/test/sites.test.ts). Exit code 3: the node could not be had at all (see network/geth-binary.ts).
 */
async function main(): Promise<void> {
  const name = process.argv[2] ?? "lifecycle";
  const suite = SUITES[name];
  if (!suite) throw new Error(`unknown suite "${name}" (known: ${Object.keys(SUITES).join(", ")})`);
  await withNetwork(async () => {
    const result = spawnSync(HARDHAT, ["test", "--network", "qbft", suite], { stdio: "inherit" });
    process.exitCode = result.status ?? 1;
  });
  // the faults include the validators in separate sites: a network of their own (network/sites.ts), made and
  // removed by the suite, beside the local one
  if (name === "faults") {
    const sites = spawnSync(HARDHAT, ["test", SITES_SUITE], { stdio: "inherit" });
    if (process.exitCode === 0) process.exitCode = sites.status ?? 1;
  }
}

runMain(main);
