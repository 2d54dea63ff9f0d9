import fs from "fs";
import os from "os";
import path from "path";
import { HardhatUserConfig, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_TEST_RUN_MOCHA_TESTS } from "hardhat/builtin-tasks/task-names";
// The toolbox's types (chai matchers, gas reporter and coverage config) for every file; its code: below.
import type {} from "@nomicfoundation/hardhat-toolbox";
import "@nomicfoundation/hardhat-ethers";
import "@typechain/hardhat";
import "@openzeppelin/hardhat-upgrades";
import "dotenv/config";
import { oneLineHardhatErrors } from "./lib/cli/hardhat-errors";
import { invokedTask } from "./lib/cli/invocation";
import { pluginObjectsWithoutTraces } from "./lib/hardhat-runtime";
import { networkSettings } from "./lib/networks";
import "./scripts/tasks";
import { isCommand } from "./scripts/tasks/command";

oneLineHardhatErrors(() => Object.keys(networkSettings()));

// hre.ethers and hre.upgrades read without a stack trace per property, each ABI parsed once per process
// (lib/hardhat-runtime.ts).
pluginObjectsWithoutTraces();

/**
 * An operator command (`npx hardhat status ...`, `npx hardhat help status`) needs hardhat-ethers, typechain
 * and the upgrades plugin alone. The rest of the toolbox (chai matchers, gas reporter, ignition, verify,
 * solidity-coverage) would add a fifth to every command's start-up, so it is loaded for every other use:
 * test, coverage, compile, run, node, the list of tasks, a script or mocha importing "hardhat".
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (!isCommand(invokedTask())) require("@nomicfoundation/hardhat-toolbox");

/**
 * The compiler comes from the pinned `solc` npm package (soljson), never from a
 * download: our build machines reach only package registries. Keep this version
 * equal to the `solc` entry in package.json.
 */
const SOLC_VERSION = "0.8.30";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solcPackage = require("solc/package.json") as { version: string };
  if (solcPackage.version !== SOLC_VERSION) {
    throw new Error(`solc npm package is ${solcPackage.version}, hardhat.config.ts expects ${SOLC_VERSION}: run npm ci`);
  }
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: `${SOLC_VERSION}+commit.73712a01`,
  };
});

/**
 * `npm test` runs the test files in parallel (`hardhat test --parallel`, mocha's workers each with its own
 * runtime environment; `hardhat coverage` and `hardhat test <file>` run serially). Workers take the files in
 * order, so the longest go first and the run does not end on one of them alone: every file that took 9 s or
 * more run alone (`npx hardhat test <file>`, 2026-12-02), longest first, except the second README session:
 * it waits for the first (test/readme/session.ts holds their files), so it comes when the first is about to
 * end rather than holding a worker idle from the start. Then the rest, in Hardhat's order.
 */
const LONGEST_FIRST = [
  "test/readme/session-hsm.test.ts",
  "test/tasks/operator.test.ts",
  "test/unit/deployment.test.ts",
  "test/ledger/statements.test.ts",
  "test/tasks/dvp.commands.test.ts",
  "test/signers/mixed.test.ts",
  "test/readme/session.test.ts",
  "test/ledger/interrupted.test.ts",
  "test/unit/DvPEscrow.test.ts",
  "test/tasks/readonly.test.ts",
  "test/tasks/commands.test.ts",
  "test/tasks/cli.test.ts",
  "test/ledger/sync.test.ts",
  "test/unit/DvPEscrow.batch.test.ts",
];

subtask(TASK_TEST_RUN_MOCHA_TESTS, async (args: { testFiles: string[]; parallel?: boolean }, hre, runSuper) => {
  if (!args.parallel) return runSuper(args);
  const first = LONGEST_FIRST.map((f) => path.join(hre.config.paths.root, f));
  const gone = first.filter((f) => !fs.existsSync(f));
  if (gone.length > 0) throw new Error(`hardhat.config.ts LONGEST_FIRST names test files that do not exist: ${gone.join(", ")}`);
  const testFiles = [...first.filter((f) => args.testFiles.includes(f)), ...args.testFiles.filter((f) => !first.includes(f))];
  return runSuper({ ...args, testFiles });
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // GoQuorum is go-ethereum 1.10.3 inside: no London, Shanghai or Cancun opcodes.
      evmVersion: "berlin",
      // 100 runs, not 200: the deposit token stays more than 2 KB below the 24,576-byte limit for about
      // 0.3% more gas on a transfer (bench:gas measured both on 2026-12-01).
      optimizer: { enabled: true, runs: 100 },
    },
  },
  // Which networks are development networks, and the endpoint of each: lib/networks.ts (from the environment and .env).
  networks: Object.fromEntries(Object.entries(networkSettings()).map(([name, setting]) => [name, setting.config])),
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  // jobs: the parallel workers of `npm test`, one more than the cores: a worker spends part of its time
  // waiting for the processes its tests start (nodes, command lines, PostgreSQL). On 2 cores, 3 workers
  // took 3.6 minutes where 2 took 4.8 and 4 took 3.7 (2026-12-01, the machine shared).
  mocha: { timeout: 120_000, jobs: os.cpus().length + 1 },
  gasReporter: { enabled: false },
};

export default config;
