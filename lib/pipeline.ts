import { getCreateAddress } from "ethers";
import type { Signer, TransactionReceipt, TransactionRequest, TransactionResponse } from "ethers";

/** Transactions from one signer, sent back to back with explicit nonces, mined in nonce order. */
export class Pipeline {
  private nonce?: number;
  readonly sent: { response: TransactionResponse; label: string; done: (receipt: TransactionReceipt) => void }[] = [];

  constructor(private readonly signer: Signer) {}

  /** The nonce of the next transaction `send` makes, and the address it would create a contract at. */
  async peek(): Promise<{ nonce: number; created: string }> {
    const from = await this.signer.getAddress();
    this.nonce ??= await this.signer.provider!.getTransactionCount(from, "pending");
    return { nonce: this.nonce, created: getCreateAddress({ from, nonce: this.nonce }) };
  }

  /** Sends one transaction without waiting for it; returns the address a creation will have. */
  async send(label: string, tx: TransactionRequest, done: (receipt: TransactionReceipt) => void = () => undefined): Promise<{ hash: string; created: string }> {
    const { nonce, created } = await this.peek();
    this.nonce = nonce + 1;
    const response = await this.signer.sendTransaction({ ...tx, nonce });
    this.sent.push({ response, label, done });
    return { hash: response.hash, created };
  }

  /** Waits for every transaction sent so far; fails naming the first one that reverted. */
  async mined(): Promise<void> {
    const receipts = await Promise.all(this.sent.map(async ({ response, label }) => {
      try {
        return await response.wait(1, 300_000);
      } catch (e) {
        throw new Error(`${label}: transaction ${response.hash} ${(e as { code?: string }).code === "CALL_EXCEPTION" ? "reverted" : `was not mined (${(e as Error).message.split("\n")[0]})`}`);
      }
    }));
    for (const [i, receipt] of receipts.entries()) this.sent[i].done(receipt!);
    this.sent.length = 0;
  }
}
