/**
 * The development networks' constants, shared by lib/ (the network table, the commands) and network/ (the
 * local QBFT network's generator and launcher). Every key derived from this mnemonic is a DEVELOPMENT key,
 * public since Hardhat published it: never use one for anything but a local network.
 */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** Accounts of the development networks: admin 0, duties 1 to 5, clients 6 to 9, guardian 10, second officer 11. */
export const DEV_ACCOUNT_COUNT = 12;
/** Chain id of the local QBFT network (GoQuorum or Besu). */
export const QBFT_CHAIN_ID = 1337;
/** JSON-RPC port of the first QBFT validator; the others follow it. */
export const RPC_PORT_BASE = 8545;
/** Port of the separate `hardhat node` that `localhost` reaches (RPC_TEST_PORT); outside the QBFT network's 8545-8548. */
export const DEFAULT_RPC_TEST_PORT = 8645;
