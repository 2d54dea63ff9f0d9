import type { ClientConfig } from "./config";

/** An EIP-1193 provider: MetaMask, a custody wallet's extension, anything that injects window.ethereum. */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
}

declare global {
  interface Window {
    ethereum?: Eip1193;
  }
}

/** The injected wallet, or one line saying there is none. */
export function injectedWallet(): Eip1193 {
  if (!window.ethereum) throw new Error("no wallet in this browser: install MetaMask or open the page in a browser with an EIP-1193 wallet (a custody wallet's extension)");
  return window.ethereum;
}

/** Asks the wallet for its accounts (it may ask its user); the first is the one the page acts for. */
export async function requestAccount(wallet: Eip1193): Promise<string> {
  const accounts = (await wallet.request({ method: "eth_requestAccounts" })) as string[];
  if (!accounts || accounts.length === 0) throw new Error("the wallet gave no account");
  return accounts[0];
}

export async function walletChainId(wallet: Eip1193): Promise<number> {
  return Number(await wallet.request({ method: "eth_chainId" }));
}

const hexChainId = (config: ClientConfig) => `0x${config.chainId.toString(16)}`;

/**
 * Moves the wallet to the deployment's chain: wallet_switchEthereumChain, and where the wallet does not
 * know the chain (error 4902), wallet_addEthereumChain with the node's endpoint first. The private
 * networks run free gas; the page sends legacy transactions with gas price 0.
 */
export async function switchToDeploymentChain(wallet: Eip1193, config: ClientConfig): Promise<void> {
  const chainId = hexChainId(config);
  try {
    await wallet.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  } catch (e) {
    if ((e as { code?: number }).code !== 4902) throw e;
    await wallet.request({
      method: "wallet_addEthereumChain",
      params: [{
        chainId, chainName: `${config.network} (deposit token network, chain ${config.chainId})`, rpcUrls: [config.rpcUrl],
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      }],
    });
    await wallet.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  }
}
