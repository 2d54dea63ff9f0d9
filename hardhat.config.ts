import { HardhatUserConfig, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
// The toolbox's types (chai matchers, gas reporter and coverage config) for every file; its code: below.
import type {} from "@nomicfoundation/hardhat-toolbox";
import "@nomicfoundation/hardhat-ethers";
import "@typechain/hardhat";
import "@openzeppelin/hardhat-upgrades";
import "dotenv/config";
import { oneLineHardhatErrors } from "./lib/cli/hardhat-errors";
import { invokedTask } from "./lib/cli/invocation";
import { networkSettings } from "./lib/networks";
import "./scripts/tasks";
import { isCommand } from "./scripts/tasks/command";

oneLineHardhatErrors(() => Object.keys(networkSettings()));

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
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: false },
};

export default config;
