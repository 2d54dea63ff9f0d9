import type { NetworkUserConfig } from "hardhat/types";
import { CHAIN_ID as QBFT_CHAIN_ID, DEV_MNEMONIC, RPC_PORT_BASE } from "../network/genesis";
import { parsePrivateKey } from "./format";

/**
 * The networks commands and deployments reach, and which of them are development networks: their
 * accounts come from the development mnemonic, deployment gives the admin to account 0 and one duty to
 * each of accounts 1 to 5 and 10 (the guardian), and a development chain id is expected. Everything else signs with keys from
 * the environment and takes the role holders from ROLE_* variables. hardhat.config.ts builds its network
 * list from this table; deploy/params.ts and the commands read `development` from it.
 */
export interface NetworkSetting {
  development: boolean;
  /** Endpoint variables this network cannot work without, for any command (checked by requireNetworkEnv). */
  requires: string[];
  /** Key variables it needs only to sign: a read-only command works without them (checked by requireSigningEnv). */
  signingKeys: string[];
  /** The variable that sets the chain id the network expects, when one does. */
  chainIdVariable?: string;
  config: NetworkUserConfig;
}

/** Port of the separate `hardhat node` that `localhost` reaches (RPC_TEST_PORT); outside the QBFT network's 8545-8548. */
export const DEFAULT_RPC_TEST_PORT = 8645;

const DEV_ACCOUNTS = { mnemonic: DEV_MNEMONIC, count: 12 };

/** Keys to sign with from DEPLOYER_PRIVATE_KEY and OPERATOR_PRIVATE_KEYS (comma-separated); none when unset; malformed ones are left out here and named by requireNetworkEnv. */
function envKeys(env: NodeJS.ProcessEnv): string[] {
  const keys: string[] = [];
  for (const [i, text] of [env.DEPLOYER_PRIVATE_KEY, ...(env.OPERATOR_PRIVATE_KEYS ?? "").split(",")].entries()) {
    try {
      keys.push(parsePrivateKey(text, i === 0 ? "DEPLOYER_PRIVATE_KEY" : "OPERATOR_PRIVATE_KEYS entry"));
    } catch {
      // reported by requireNetworkEnv when the network needs it
    }
  }
  return keys;
}

const chainIdFrom = (text: string | undefined): number | undefined => (text?.trim() ? Number(text.trim()) : undefined);

/** The network table, from the environment (and .env). */
export function networkSettings(env: NodeJS.ProcessEnv = process.env): Record<string, NetworkSetting> {
  const rpcDevelopment = env.RPC_DEVELOPMENT?.trim() === "1";
  return {
    // In-process network: same EVM as the private QBFT network, free gas as there.
    hardhat: { development: true, requires: [], signingKeys: [], config: { hardfork: "berlin", gasPrice: 0 } },
    // A separate `npx hardhat node --port 8645` (RPC_TEST_PORT), signed for with the development keys.
    localhost: {
      development: true, requires: [], signingKeys: [],
      config: { url: `http://127.0.0.1:${env.RPC_TEST_PORT?.trim() || DEFAULT_RPC_TEST_PORT}`, accounts: DEV_ACCOUNTS },
    },
    // The local 4-validator QBFT network of `npm run network:up`; free gas, legacy transactions.
    qbft: {
      development: true, requires: [], signingKeys: [],
      config: {
        url: env.QBFT_RPC_URL?.trim() || `http://127.0.0.1:${RPC_PORT_BASE}`, chainId: QBFT_CHAIN_ID, gasPrice: 0,
        accounts: DEV_ACCOUNTS, timeout: 60_000,
      },
    },
    // Any node: RPC_URL and (optionally) RPC_CHAIN_ID; RPC_DEVELOPMENT=1 signs with the development keys,
    // otherwise with DEPLOYER_PRIVATE_KEY and OPERATOR_PRIVATE_KEYS.
    rpc: {
      development: rpcDevelopment,
      requires: ["RPC_URL"],
      signingKeys: rpcDevelopment ? [] : ["DEPLOYER_PRIVATE_KEY"],
      chainIdVariable: "RPC_CHAIN_ID",
      config: {
        url: env.RPC_URL?.trim() || "http://127.0.0.1:8545", chainId: chainIdFrom(env.RPC_CHAIN_ID), gasPrice: 0,
        accounts: rpcDevelopment ? DEV_ACCOUNTS : envKeys(env), timeout: 60_000,
      },
    },
    // A bank's own Besu or GoQuorum network (see .env.example).
    besu: {
      development: false,
      requires: ["BESU_RPC_URL", "BESU_CHAIN_ID"],
      signingKeys: ["DEPLOYER_PRIVATE_KEY"],
      chainIdVariable: "BESU_CHAIN_ID",
      config: {
        url: env.BESU_RPC_URL?.trim() || "http://127.0.0.1:8545", chainId: chainIdFrom(env.BESU_CHAIN_ID) ?? 1337, gasPrice: 0,
        accounts: envKeys(env), timeout: 60_000,
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
 * one: every command needs these. A signing key is not needed here (read-only commands, a monitoring or
 * back-office user, have none), but one that is given must be well-formed.
 */
export function requireNetworkEnv(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const setting = networkSettings(env)[name];
  if (!setting) return;
  const missing = setting.requires.filter((v) => !env[v]?.trim());
  if (missing.length > 0) throw new Error(`network ${name}: ${missing.join(", ")} not set (copy .env.example to .env)`);
  for (const v of ["RPC_CHAIN_ID", "BESU_CHAIN_ID"]) {
    if (env[v]?.trim() && !/^\d+$/.test(env[v]!.trim())) throw new Error(`${v}="${env[v]}" is not a chain id (a whole number)`);
  }
  if (setting.development) return;
  if (env.DEPLOYER_PRIVATE_KEY?.trim()) parsePrivateKey(env.DEPLOYER_PRIVATE_KEY, `network ${name}: DEPLOYER_PRIVATE_KEY`);
  for (const key of (env.OPERATOR_PRIVATE_KEYS ?? "").split(",").filter((k) => k.trim() !== "")) {
    parsePrivateKey(key, `network ${name}: an OPERATOR_PRIVATE_KEYS entry`);
  }
}

/** The key variables a network needs to sign with that are not set (none on development networks). */
export function missingSigningEnv(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return (networkSettings(env)[name]?.signingKeys ?? []).filter((v) => !env[v]?.trim());
}

/** Fails in one line, naming the variable, when a command that signs runs on a network without its key. */
export function requireSigningEnv(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const missing = missingSigningEnv(name, env);
  if (missing.length > 0) throw new Error(`network ${name}: ${missing.join(", ")} not set: this command signs; read-only commands need no key`);
}
