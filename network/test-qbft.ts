import { spawnSync } from "child_process";
import { nodeKeys } from "./genesis";
import { runMain } from "./main";
import { HARDHAT, rpcUrl, withNetwork } from "./node";
import { sitesDown, sitesUp, TWO_NEAR_TWO_FAR } from "./sites";

const SITES_SUITE = "network/test/sites.test.ts";

/** The suites that run against the QBFT network, by the name `npm run test:qbft|test:faults|test:qbft-hsm` passes. */
const SUITES: Record<string, string> = {
  lifecycle: "network/test/lifecycle.test.ts",
  faults: "network/test/faults.test.ts",
  permissioning: "network/test/permissioning.test.ts",
  hsm: "network/test/deploy-hsm.test.ts",
};

/** `hardhat test --network qbft <suite>`, against `url` when given (QBFT_RPC_URL, lib/networks.ts); its exit code. */
function hardhatTest(suite: string, url?: string): number {
  const env = url ? { ...process.env, QBFT_RPC_URL: url } : process.env;
  return spawnSync(HARDHAT, ["test", "--network", "qbft", suite], { stdio: "inherit", env }).status ?? 1;
}

/**
 * `npm run test:qbft -- --sites`: the lifecycle suite, unchanged, across the validators in sites
 * (network/sites.ts) with the two-near-two-far link profile of bench:sites, over validator 0's site
 * JSON-RPC. The sites network is made for the run and removed after it, whatever happens; the local
 * network is not touched (own namespaces, addresses and data folder), so both can run at once.
 */
async function acrossSites(suite: string): Promise<void> {
  const links = await sitesUp();
  try {
    await TWO_NEAR_TWO_FAR.apply(links);
    const url = rpcUrl(nodeKeys()[0]);
    console.log(`links: ${TWO_NEAR_TWO_FAR.name}; ${suite} against ${url}`);
    const started = Date.now();
    process.exitCode = hardhatTest(suite, url);
    console.log(`measured: ${suite} across the sites in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await sitesDown();
  }
}

/**
 * `npm run test:qbft` (lifecycle), `npm run test:faults`, `npm run test:qbft-hsm` (a deployment signed with HSM keys) and
 * `npm run test:permissioning` (node allowlist, validator votes): start the local QBFT network unless it is
 * already running, run the suite against it over JSON-RPC (`--network qbft`), and stop the network again
 * if this run started it; `faults` also runs the sites suite (network/test/sites.test.ts). `--sites` runs the
 * lifecycle across the sites instead (acrossSites). Exit code 3: the node could not be had at all (see network/geth-binary.ts).
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = args.filter((a) => a.startsWith("--"));
  const unknown = options.find((o) => o !== "--sites");
  if (unknown) throw new Error(`unknown option "${unknown}" (options: --sites)`);
  const name = args.find((a) => !a.startsWith("--")) ?? "lifecycle";
  const suite = SUITES[name];
  if (!suite) throw new Error(`unknown suite "${name}" (known: ${Object.keys(SUITES).join(", ")})`);
  if (options.includes("--sites")) {
    if (name !== "lifecycle") throw new Error(`--sites runs the lifecycle suite only, not "${name}" (npm run test:qbft -- --sites)`);
    return acrossSites(suite);
  }
  await withNetwork(async () => {
    process.exitCode = hardhatTest(suite);
  });
  // the faults include the validators in separate sites: a network of their own (network/sites.ts), made and
  // removed by the suite, beside the local one
  if (name === "faults") {
    const sites = spawnSync(HARDHAT, ["test", SITES_SUITE], { stdio: "inherit" });
    if (process.exitCode === 0) process.exitCode = sites.status ?? 1;
  }
}

runMain(main);
