import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HDNodeWallet } from "ethers";
import type { DepositToken } from "../../typechain-types";
import { PaymentTerms, SignedPayment, netPositions, randomNonce, signPayment, tokenDomain } from "../../lib/payments";
import { YEAR, depositTokenFixture } from "../fixtures";

/**
 * The deposit-token fixture plus `count` more participants, each its own institution with one wallet
 * holding `funds`, and a settlement agent (participant "agent") that submits batches. The extra wallets
 * only sign; they hold no gas money.
 */
export async function paymentsFixture(count = 10, funds = 1_000_00n) {
  const f = await depositTokenFixture();
  const { registry, compliance, issuer, desk, token } = f;
  const agent = (await ethers.getSigners())[11];
  const kycExpiry = (await time.latest()) + YEAR;
  const wallets: HDNodeWallet[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = ethers.Wallet.createRandom(ethers.provider);
    await registry.connect(compliance).onboard(ethers.id(`participant-${i}`), [wallet.address], kycExpiry);
    await desk.connect(issuer).mint(wallet.address, funds, ethers.id(`funds-${i}`));
    wallets.push(wallet);
  }
  await registry.connect(compliance).onboard(ethers.id("settlement-agent"), [agent.address], kycExpiry);
  const network = await ethers.provider.getNetwork();
  const domain = tokenDomain(await token.name(), await token.getAddress(), network.chainId);
  return { ...f, agent, wallets, domain, kycExpiry };
}

/** Terms of a payment valid from an hour ago for a day, with a random nonce unless one is given. */
export async function paymentTerms(from: string, to: string, value: bigint, ref: string, nonce = randomNonce()): Promise<PaymentTerms> {
  const now = BigInt(await time.latest());
  return { from, to, value, ref, validAfter: now - 3600n, validBefore: now + 86_400n, nonce };
}

/** Each wallet's balance of the token. */
export async function balancesOf(token: DepositToken, addresses: readonly string[]): Promise<bigint[]> {
  return Promise.all(addresses.map((a) => token.balanceOf(a)));
}

/** Signs each instruction with the wallet of its payer. */
export async function signAll(wallets: readonly HDNodeWallet[], domain: Parameters<typeof signPayment>[1], terms: readonly PaymentTerms[]): Promise<SignedPayment[]> {
  const byAddress = new Map(wallets.map((w) => [w.address, w]));
  return Promise.all(terms.map((t) => {
    const wallet = byAddress.get(t.from);
    if (!wallet) throw new Error(`no wallet for payer ${t.from}`);
    return signPayment(wallet, domain, t);
  }));
}

/** Each address's expected balance change: the sum of its signed obligations. */
export function expectedChanges(terms: readonly PaymentTerms[], addresses: readonly string[]): bigint[] {
  const net = netPositions(terms);
  return addresses.map((a) => net.get(a) ?? 0n);
}
