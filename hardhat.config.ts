import { HardhatUserConfig, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import "@openzeppelin/hardhat-upgrades";
import "dotenv/config";
import "./scripts/tasks";

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
 * Development accounts of the local QBFT network (network/): the standard Hardhat test mnemonic, whose
 * first accounts the generated genesis prefunds. Development keys, never for a real deployment.
 */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The `besu` network reads its endpoint and keys from the environment (.env, see .env.example). */
const besuKeys = [process.env.DEPLOYER_PRIVATE_KEY, ...(process.env.OPERATOR_PRIVATE_KEYS ?? "").split(",")]
  .map((k) => (k ?? "").trim())
  .filter((k) => /^(0x)?[0-9a-fA-F]{64}$/.test(k));

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // GoQuorum is go-ethereum 1.10.3 inside: no London, Shanghai or Cancun opcodes.
      evmVersion: "berlin",
      optimizer: { enabled: true, runs: 1000 },
    },
  },
  networks: {
    hardhat: {
      // Same EVM as the private QBFT network; free gas as there.
      hardfork: "berlin",
      gasPrice: 0,
    },
    // Local 4-validator QBFT network started by `npm run network:up`; free gas, legacy transactions.
    // A node on 127.0.0.1:8545 signed for locally with the development keys (for example `npx hardhat node`).
    localhost: {
      url: "http://127.0.0.1:8545",
      accounts: { mnemonic: DEV_MNEMONIC, count: 10 },
    },
    qbft: {
      url: process.env.QBFT_RPC_URL ?? "http://127.0.0.1:8545",
      chainId: 1337,
      gasPrice: 0,
      accounts: { mnemonic: DEV_MNEMONIC, count: 10 },
      timeout: 60_000,
    },
    // A bank's own Besu or GoQuorum network.
    besu: {
      url: process.env.BESU_RPC_URL?.trim() || "http://127.0.0.1:8545",
      chainId: Number(process.env.BESU_CHAIN_ID || 1337),
      gasPrice: 0,
      accounts: besuKeys,
      timeout: 60_000,
    },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: false },
};

export default config;
