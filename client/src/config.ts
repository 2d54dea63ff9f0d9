/**
 * What the page is served with, as deployment.json beside it (client/build.ts writes it from
 * deployments/<network>.json): where the contracts are and which chain they are on. Nothing secret.
 */
export interface ClientConfig {
  network: string;
  chainId: number;
  /** The node's JSON-RPC endpoint, offered to the wallet with wallet_addEthereumChain. */
  rpcUrl: string;
  /** Gas price of every transaction the page sends (legacy transactions): the platform's networks run free gas. */
  gasPrice: string;
  registry: Deployed;
  escrow?: Deployed;
  /** FxQuotes, the quoted cross-currency payments, when the deployment has it. */
  fxQuotes?: Deployed;
  /** Every deposit token of the deployment, by ISO 4217 currency code (the currency selects offer each). */
  depositTokens: (Deployed & { currency: string })[];
  /** Security tokens by ISIN. */
  securities: (Deployed & { isin: string })[];
}

/** A recorded contract: its address and the block it was deployed in (where reading its events starts). */
export interface Deployed {
  address: string;
  fromBlock: number;
}
