import { Signature } from "ethers";
import type { Signer } from "ethers";
import type { CommandContext, Leg } from "./context";

/** Refuses, before anything is sent, when `wallet` holds less than `amount` of the leg's token. */
export async function requireBalance(leg: Leg, wallet: string, amount: bigint): Promise<void> {
  const balance = await leg.contract.balanceOf(wallet);
  if (balance < amount) throw new Error(`${wallet} holds ${leg.fmt(balance)}, needs ${leg.fmt(amount)}; nothing was sent`);
}

/** Sets the allowance `owner` gives `spender` on the leg's token to `amount` (ERC-20 approve). */
export async function approve(ctx: CommandContext, leg: Leg, owner: Signer, spender: string, spenderLabel: string, amount: bigint): Promise<void> {
  await ctx.send(`approve ${spenderLabel} for ${leg.fmt(amount)}`, leg.contract.connect(owner).approve, [spender, amount], leg);
}

/**
 * Sets an allowance by ERC-2612 permit: `owner` signs the permit off-chain and `relayer` (anyone) submits
 * it. Refused when the token does not support permits.
 */
export async function permit(
  ctx: CommandContext, leg: Leg, owner: Signer, relayer: Signer, spender: string, spenderLabel: string, amount: bigint, deadline: number,
): Promise<void> {
  const ownerAddress = await owner.getAddress();
  let domain: { name: string; version: string; chainId: bigint; verifyingContract: string };
  let nonce: bigint;
  try {
    const d = await leg.contract.eip712Domain();
    domain = { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
    nonce = await leg.contract.nonces(ownerAddress);
  } catch {
    throw new Error(`${leg.label} (${leg.address}) does not support ERC-2612 permits; use approve; nothing was sent`);
  }
  const value = { owner: ownerAddress, spender, value: amount, nonce, deadline };
  const signed = Signature.from(await owner.signTypedData(domain, {
    Permit: [
      { name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" },
      { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" },
    ],
  }, value));
  await ctx.send(`permit ${spenderLabel} for ${leg.fmt(amount)} from ${ownerAddress}`, leg.contract.connect(relayer).permit,
    [ownerAddress, spender, amount, deadline, signed.v, signed.r, signed.s], leg);
}

/**
 * Refuses, before anything is sent, when `owner` holds less than `amount` or allows `spender` less; with
 * `approveShortfall`, approves the amount instead of refusing the allowance.
 */
export async function ensureFunds(
  ctx: CommandContext, leg: Leg, owner: Signer, spender: string, spenderLabel: string, amount: bigint, approveShortfall: boolean,
): Promise<void> {
  const wallet = await owner.getAddress();
  await requireBalance(leg, wallet, amount);
  const allowance = await leg.contract.allowance(wallet, spender);
  if (allowance >= amount) return;
  if (!approveShortfall) {
    throw new Error(`${wallet} allows ${spenderLabel} ${leg.fmt(allowance)}, needs ${leg.fmt(amount)}; add --approve, or run token:approve / security:approve; nothing was sent`);
  }
  await approve(ctx, leg, owner, spender, spenderLabel, amount);
}
