import { DEV_ACCOUNT_COUNT, DEV_MNEMONIC, QBFT_CHAIN_ID as CHAIN_ID, RPC_PORT_BASE } from "../lib/devnet";
import { decodeRlp, encodeRlp, getAddress, HDNodeWallet, Mnemonic, toBeHex, zeroPadValue } from "ethers";

/**
 * The local QBFT network's configuration: genesis for GoQuorum and Besu (the same chain), node keys,
 * static nodes. Everything here is deterministic and every key is a DEVELOPMENT key derived from the
 * public Hardhat test mnemonic: never use them for anything but this local network.
 */
export { DEV_MNEMONIC, QBFT_CHAIN_ID as CHAIN_ID, RPC_PORT_BASE } from "../lib/devnet";
export const VALIDATORS = 4;
export const BLOCK_PERIOD_SECONDS = 1;
export const REQUEST_TIMEOUT_SECONDS = 4;
export const EPOCH_LENGTH = 30000;
/**
 * Block gas limit, fixed. A proposer must build its block within the block period: GoQuorum seals an
 * empty block first and replaces it with the full one only if that is built before the period ends, so a
 * limit that takes longer than the period to execute turns a backlog into a run of empty blocks that
 * never drains (measured on 2 cores with GoQuorum's default floor of 700,000,000). The limit is sized
 * to what a validator here executes within the period: at 100,000,000 the saturation search on 2 cores
 * found the validators' CPU binding before block gas for deposit-token transfers (938/s, blocks 58%
 * full) and DvP `settleSigned` still draining at 94% full blocks, where 50,000,000 let block gas bind
 * deposit-token transfers at 802/s (blocks 94% full); `bench:qbft` reports the gas per block.
 * GoQuorum keeps it through the genesis `transitions` floor and `--miner.gaslimit`/`--miner.gastarget`;
 * Besu keeps the genesis figure.
 */
export const GAS_LIMIT = 100_000_000n;
/**
 * Transaction pool sizes of a private settlement network: GoQuorum's defaults (4,096 executable
 * transactions, 16 per account) are sized for a public network's spam and drop bursts of payments.
 */
export const TXPOOL = { globalSlots: 32_768, accountSlots: 4_096, globalQueue: 8_192, accountQueue: 1_024 };
/** Development accounts prefunded in the genesis: the first accounts of the `qbft` Hardhat network. */
export const PREFUNDED_ACCOUNTS = DEV_ACCOUNT_COUNT;
export const PREFUND_WEI = 10n ** 24n;
export const P2P_PORT_BASE = 30303;
/** GoQuorum's and Besu's Istanbul/QBFT mixHash ("ctical byzantine fault tolerance"). */
export const BFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";

export interface NodeKey {
  index: number;
  privateKey: string;
  /** 64-byte public key without the 0x04 prefix, as an enode id. */
  enodeId: string;
  address: string;
  rpcPort: number;
  p2pPort: number;
}

/** Validator node keys: m/44'/60'/1'/0/i of the development mnemonic (accounts use m/44'/60'/0'/0/i). */
export function nodeKeys(count = VALIDATORS): NodeKey[] {
  const mnemonic = Mnemonic.fromPhrase(DEV_MNEMONIC);
  return Array.from({ length: count }, (_, index) => {
    const wallet = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/1'/0/${index}`);
    return {
      index,
      privateKey: wallet.privateKey,
      enodeId: wallet.signingKey.publicKey.slice(4),
      address: wallet.address,
      rpcPort: RPC_PORT_BASE + index,
      p2pPort: P2P_PORT_BASE + index,
    };
  });
}

/** The prefunded development accounts (the Hardhat `qbft` network's accounts). */
export function devAccounts(count = PREFUNDED_ACCOUNTS): string[] {
  const mnemonic = Mnemonic.fromPhrase(DEV_MNEMONIC);
  return Array.from({ length: count }, (_, i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).address);
}

/** The enode URL of a validator: on 127.0.0.1, or at its address in network/besu/docker-compose.yml. */
export function enodeUrl(node: NodeKey, host = "127.0.0.1"): string {
  return `enode://${node.enodeId}@${host}:${node.p2pPort}?discport=0`;
}

/** A validator's address on the bridge network of network/besu/docker-compose.yml. */
export const composeHost = (node: NodeKey) => `172.16.239.${10 + node.index}`;

/**
 * QBFT genesis extraData, the same for GoQuorum (core/types/istanbul.go, QBFTExtra) and Besu: the RLP list
 * [32-byte vanity, [validator addresses], vote (empty list: none), round 0, committed seals (empty list)].
 */
export function qbftExtraData(validators: string[]): string {
  return encodeRlp([zeroPadValue("0x", 32), validators.map((v) => getAddress(v).toLowerCase()), [], "0x", []]);
}

export interface QbftExtra {
  vanity: string;
  validators: string[];
  vote: unknown[];
  round: number;
  committedSeals: unknown[];
}

/** Decodes QBFT extraData (for tests and for `network:status` checks). */
export function decodeQbftExtraData(extraData: string): QbftExtra {
  const decoded = decodeRlp(extraData);
  if (!Array.isArray(decoded) || decoded.length !== 5) throw new Error("QBFT extraData is an RLP list of 5 items");
  const [vanity, validators, vote, round, seals] = decoded;
  if (typeof vanity !== "string" || !Array.isArray(validators) || !Array.isArray(vote) || typeof round !== "string" || !Array.isArray(seals)) {
    throw new Error("QBFT extraData items have the wrong shapes");
  }
  return {
    vanity,
    validators: validators.map((v) => getAddress(v as string)),
    vote,
    round: round === "0x" ? 0 : Number(round),
    committedSeals: seals,
  };
}

function alloc(): Record<string, { balance: string }> {
  return Object.fromEntries(devAccounts().map((a) => [a.slice(2).toLowerCase(), { balance: toBeHex(PREFUND_WEI) }]));
}

const FORKS_AT_ZERO = [
  "homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock",
  "constantinopleBlock", "petersburgBlock", "istanbulBlock", "berlinBlock",
];

/** The genesis fields both clients share: the same block 0, extraData and allocations. */
function genesis(validators: string[], config: Record<string, unknown>): Record<string, unknown> {
  return {
    config: { chainId: CHAIN_ID, ...Object.fromEntries(FORKS_AT_ZERO.map((f) => [f, 0])), ...config },
    nonce: "0x0",
    timestamp: "0x0",
    gasLimit: toBeHex(GAS_LIMIT),
    difficulty: "0x1",
    mixHash: BFT_MIX_HASH,
    coinbase: "0x0000000000000000000000000000000000000000",
    extraData: qbftExtraData(validators),
    alloc: alloc(),
  };
}

const QBFT_TIMING = { epochlength: EPOCH_LENGTH, blockperiodseconds: BLOCK_PERIOD_SECONDS, requesttimeoutseconds: REQUEST_TIMEOUT_SECONDS };

/** GoQuorum genesis: Berlin at block 0 (GoQuorum 24.4 is go-ethereum 1.10.3: no London), free gas. */
export function gethGenesis(validators: string[]): Record<string, unknown> {
  return genesis(validators, {
    isQuorum: true,
    qbft: { ...QBFT_TIMING, policy: 0, ceil2Nby3Block: 0 },
    transitions: [{ block: 0, "miner.gaslimit": Number(GAS_LIMIT) }],
  });
}

/** Besu genesis for the same chain: same fork schedule, block period, extraData and allocations. */
export function besuGenesis(validators: string[]): Record<string, unknown> {
  return genesis(validators, { qbft: QBFT_TIMING });
}

/** How one GoQuorum node is run: every bank node has JSON-RPC and node permissioning; see gethArgs. */
export interface GethOptions {
  /** JSON-RPC over HTTP on node.rpcPort (default true). */
  http?: boolean;
  /** `--permissioned`: peers only with the enodes of <datadir>/permissioned-nodes.json (default true). */
  permissioned?: boolean;
  /** The address JSON-RPC listens on (default 127.0.0.1; a site's own address in network/sites.ts). */
  host?: string;
  /** `--netrestrict`: the networks peers may come from (default 127.0.0.1/32; the sites' subnet there). */
  netrestrict?: string;
}

/**
 * GoQuorum's command line for one node (run with PRIVATE_CONFIG=ignore: no privacy manager). The admin,
 * personal and istanbul (QBFT voting) APIs are served only on the IPC file <datadir>/geth.ipc, never on HTTP:
 * GoQuorum enables APIs per namespace, and `istanbul` holds `propose` and `discard` beside the reads.
 */
export function gethArgs(node: NodeKey, datadir: string, options: GethOptions = {}): string[] {
  const { http = true, permissioned = true, host = "127.0.0.1", netrestrict = "127.0.0.1/32" } = options;
  return [
    "--datadir", datadir, "--networkid", String(CHAIN_ID), "--nodiscover", "--syncmode", "full",
    "--mine", "--miner.threads", "1", "--miner.gasprice", "0",
    "--miner.gaslimit", GAS_LIMIT.toString(), "--miner.gastarget", GAS_LIMIT.toString(),
    // peers only from this machine, or the sites' subnet (GoQuorum 24.4 listens on every interface; this refuses other hosts)
    "--port", String(node.p2pPort), "--netrestrict", netrestrict,
    // and only the bank's nodes: <datadir>/permissioned-nodes.json, read again at every connection
    ...(permissioned ? ["--permissioned"] : []),
    // no admin, personal or istanbul API over HTTP (CORS is open for browser wallets; the nodes hold no keys)
    ...(http ? ["--http", "--http.addr", host, "--http.port", String(node.rpcPort), "--http.api", HTTP_APIS.join(","), "--http.corsdomain", "*"] : []),
    "--txpool.globalslots", String(TXPOOL.globalSlots), "--txpool.accountslots", String(TXPOOL.accountSlots),
    "--txpool.globalqueue", String(TXPOOL.globalQueue), "--txpool.accountqueue", String(TXPOOL.accountQueue),
    // one log line per block, not per submitted transaction (internal/ethapi logs each at INFO)
    "--verbosity", "3", "--vmodule", "ethapi/*=2",
  ];
}

/** The JSON-RPC namespaces served over HTTP by GoQuorum (Besu: the same in capitals). */
export const HTTP_APIS = ["eth", "net", "web3", "txpool"];

/** Besu's file names in network/data/: its node allowlist (TOML) for 127.0.0.1 and for the compose network. */
export const BESU_PERMISSIONS_FILE = "permissions_config.toml";
export const BESU_COMPOSE_PERMISSIONS_FILE = "permissions_config.besu.toml";

/** Besu's permissions configuration file: the enode URLs it accepts as peers (`nodes-allowlist`). */
export function besuPermissionsToml(enodes: string[]): string {
  return `# Besu local node permissioning: peers only with these nodes (--permissions-nodes-config-file).\nnodes-allowlist=${JSON.stringify(enodes)}\n`;
}

/**
 * Besu's command line for the same validator, from the same generated files. HTTP serves no ADMIN, QBFT or
 * PERM API: those are on the IPC socket <datadir>/besu.ipc only (Besu's early-access `--Xrpc-ipc-*` options).
 */
export function besuArgs(node: NodeKey, datadir: string, genesisFile: string, staticNodesFile: string, permissionsFile: string): string[] {
  return [
    `--data-path=${datadir}`, `--genesis-file=${genesisFile}`, `--node-private-key-file=${datadir}/key`,
    `--static-nodes-file=${staticNodesFile}`, "--discovery-enabled=false", `--p2p-port=${node.p2pPort}`,
    "--permissions-nodes-config-file-enabled", `--permissions-nodes-config-file=${permissionsFile}`,
    "--rpc-http-enabled", "--rpc-http-host=127.0.0.1", `--rpc-http-port=${node.rpcPort}`,
    `--rpc-http-api=${HTTP_APIS.map((a) => a.toUpperCase()).join(",")}`, "--min-gas-price=0", "--host-allowlist=*",
    "--Xrpc-ipc-enabled", `--Xrpc-ipc-path=${datadir}/besu.ipc`, "--Xrpc-ipc-apis=ETH,NET,ADMIN,QBFT,PERM",
  ];
}
