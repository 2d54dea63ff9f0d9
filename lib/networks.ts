import type { NetworkUserConfig } from "hardhat/types";
import { DEFAULT_RPC_TEST_PORT, DEV_ACCOUNT_COUNT, DEV_PRIVATE_KEYS, QBFT_CHAIN_ID, RPC_PORT_BASE } from "./devnet";

export { DEFAULT_RPC_TEST_PORT } from "./devnet";

/**
 * The networks commands and deployments reach, and which of them are development networks: their
 * accounts come from the development mnemonic, deployment gives the admin to account 0 and one duty to
 * each of accounts 1 to 5, 10 (the guardian) and 11 (the second issuance officer), and a development chain id is
 * expected. Everything else signs with the accounts of SIGNERS_FILE (lib/signers/accounts.ts: HSM keys,
 * keystores, signing services) and takes the role holders from ROLE_* variables. hardhat.config.ts builds its
 * network list from this table; deploy/params.ts and the commands read `development` from it.
 */
export interface NetworkSetting {
  development: boolean;
  /** Endpoint variables this network cannot work without, for any command (checked by requireNetworkEnv). */
  requires: string[];
  /** The variable that sets the chain id the network expects, when one does. */
  chainIdVariable?: string;
  config: NetworkUserConfig;
}

// The development mnemonic's accounts by their keys (lib/devnet.ts: no start derives them): the first 12 on the
// JSON-RPC networks; on the in-process network Hardhat's default 20, each with Hardhat's default 10,000 ETH.
const DEV_ACCOUNTS = DEV_PRIVATE_KEYS.slice(0, DEV_ACCOUNT_COUNT);
const IN_PROCESS_ACCOUNTS = DEV_PRIVATE_KEYS.map((privateKey) => ({ privateKey, balance: (10_000n * 10n ** 18n).toString() }));

const chainIdFrom = (text: string | undefined): number | undefined => (text?.trim() ? Number(text.trim()) : undefined);

/** The network table, from the environment (and .env). */
export function networkSettings(env: NodeJS.ProcessEnv = process.env): Record<string, NetworkSetting> {
  const rpcDevelopment = env.RPC_DEVELOPMENT?.trim() === "1";
  return {
    // In-process network: same EVM as the private QBFT network, free gas as there.
    hardhat: { development: true, requires: [], config: { hardfork: "berlin", gasPrice: 0, accounts: IN_PROCESS_ACCOUNTS } },
    // A separate `npx hardhat node --port 8645` (RPC_TEST_PORT), signed for with the development keys.
    localhost: {
      development: true, requires: [],
      config: { url: `http://127.0.0.1:${env.RPC_TEST_PORT?.trim() || DEFAULT_RPC_TEST_PORT}`, accounts: DEV_ACCOUNTS },
    },
    // The local 4-validator QBFT network of `npm run network:up`; free gas, legacy transactions.
    qbft: {
      development: true, requires: [],
      config: {
        url: env.QBFT_RPC_URL?.trim() || `http://127.0.0.1:${RPC_PORT_BASE}`, chainId: QBFT_CHAIN_ID, gasPrice: 0,
        accounts: DEV_ACCOUNTS, timeout: 60_000,
      },
    },
    // Any node: RPC_URL and (optionally) RPC_CHAIN_ID; RPC_DEVELOPMENT=1 signs with the development keys,
    // otherwise with the accounts of SIGNERS_FILE (lib/signers/accounts.ts).
    rpc: {
      development: rpcDevelopment,
      requires: ["RPC_URL"],
      chainIdVariable: "RPC_CHAIN_ID",
      config: {
        url: env.RPC_URL?.trim() || "http://127.0.0.1:8545", chainId: chainIdFrom(env.RPC_CHAIN_ID), gasPrice: 0,
        accounts: rpcDevelopment ? DEV_ACCOUNTS : [], timeout: 60_000,
      },
    },
    // A bank's own Besu or GoQuorum network (see .env.example).
    besu: {
      development: false,
      requires: ["BESU_RPC_URL", "BESU_CHAIN_ID"],
      chainIdVariable: "BESU_CHAIN_ID",
      config: {
        url: env.BESU_RPC_URL?.trim() || "http://127.0.0.1:8545", chainId: chainIdFrom(env.BESU_CHAIN_ID) ?? 1337, gasPrice: 0,
        accounts: [], timeout: 60_000,
      },
    },
  };
}

/** Whether a network is a development network (development keys and roles); unknown networks are not. */
export function isDevelopmentNetwork(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return networkSettings(env)[name]?.development ?? false;
}

/**
 * Fails in one line, naming the variables, when the network lacks an endpoint setting or has a malformed
 * one: every command needs these. Accounts to sign with are not needed here (read-only commands, a
 * monitoring or back-office user, have none): lib/signers/accounts.ts checks them.
 */
export function requireNetworkEnv(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const setting = networkSettings(env)[name];
  if (!setting) return;
  const missing = setting.requires.filter((v) => !env[v]?.trim());
  if (missing.length > 0) throw new Error(`network ${name}: ${missing.join(", ")} not set (copy .env.example to .env)`);
  for (const v of ["RPC_CHAIN_ID", "BESU_CHAIN_ID"]) {
    if (env[v]?.trim() && !/^\d+$/.test(env[v]!.trim())) throw new Error(`${v}="${env[v]}" is not a chain id (a whole number)`);
  }
}
