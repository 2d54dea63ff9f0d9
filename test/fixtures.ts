import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DvPEscrow } from "../typechain-types";
import { lockedTrade, signTrade, SignedTrade, TradeTerms } from "../lib/dvp";
import { FxQuote, signQuote } from "../lib/fx";
import { SAMPLE_SECURITIES } from "../lib/config";
import { CURRENCIES, CurrencyConfig, DEMO_SECURITY, deploySuite, SecurityConfig } from "../lib/suite";

export const YEAR = 365 * 24 * 3600;
/** The signer that is the second issuance officer in every fixture (its index among the signers). */
export const SECOND_ISSUER = 16;
export const ADMIN_DELAY = 3 * 24 * 3600;

/** Participant ids as the bank derives them: keccak256 of the institution's LEI. */
export const ids = {
  alpha: ethers.id("LEI:5493001KJTIIGC8Y1R12"),
  beta: ethers.id("LEI:529900T8BM49AURSDO55"),
  gamma: ethers.id("LEI:213800WSGIIZCXF1P572"),
  delta: ethers.id("LEI:815600D1C3B1A2F7E633"),
};

/** Amount in USD cents from a decimal string. */
export const usd = (x: string): bigint => ethers.parseUnits(x, 2);

/**
 * What every fixture starts from: the suite deployed as `npm run deploy` does it, every duty held by a
 * different signer, participants alpha (alice, alice2) and beta (bob) onboarded, reserves of
 * 1,000,000.00 attested. With `settlement`, also the demo security and the escrow (onboarded, every token
 * listed).
 */
async function onboardedSuite(settlement: boolean, securities: SecurityConfig[] = [DEMO_SECURITY], currencies: CurrencyConfig[] = [CURRENCIES.USD]) {
  const signers = await ethers.getSigners();
  const [admin, compliance, issuer, reserve, pauser, upgrader, alice, alice2, bob, carol, outsider, agent, guardian] = signers;
  const secondIssuer = signers[SECOND_ISSUER];
  const roles = {
    compliance: compliance.address, issuer: issuer.address, secondIssuer: secondIssuer.address, reserve: reserve.address,
    pauser: pauser.address, upgrader: upgrader.address, guardian: guardian.address,
  };
  const suite = await deploySuite(hre, {
    admin, roles, currencies, adminDelay: ADMIN_DELAY,
    ...(settlement ? { securities, compliance } : {}),
  });
  const kycExpiry = (await time.latest()) + YEAR;
  await suite.registry.connect(compliance).onboard(ids.alpha, [alice.address, alice2.address], kycExpiry);
  await suite.registry.connect(compliance).onboard(ids.beta, [bob.address], kycExpiry);
  await suite.desks.USD.connect(reserve).attestReserves(usd("1000000.00"), ethers.id("report-1"), await time.latest());
  return {
    suite, registry: suite.registry, timelock: suite.timelock, desk: suite.desks.USD, kycExpiry, roles,
    admin, compliance, issuer, secondIssuer, reserve, pauser, upgrader, guardian, alice, alice2, bob, carol, outsider, agent,
  };
}

/**
 * Registry and USD deposit token (no escrow) with every duty held by a different signer, two onboarded
 * participants (alpha: alice and alice2, beta: bob), one outsider (carol, never onboarded),
 * reserves of 1,000,000.00 and 10,000.00 issued to alice and to bob.
 */
export async function depositTokenFixture() {
  const { suite, agent: _agent, ...base } = await onboardedSuite(false);
  const token = suite.tokens.USD;
  await base.desk.connect(base.issuer).mint(base.alice.address, usd("10000.00"), ethers.id("deposit-alice-1"));
  await base.desk.connect(base.issuer).mint(base.bob.address, usd("10000.00"), ethers.id("deposit-bob-1"));
  return { ...base, token };
}

/** Units of the demo security (decimals 0). */
export const units = (n: number | bigint): bigint => BigInt(n);

/**
 * The settlement setup, on the same base: registry, USD deposit token, the demo security, the escrow
 * onboarded and both tokens listed. Seller alice (participant alpha) holds 1,000 units, buyer bob (beta)
 * holds 10,000.00 USD; both approved the escrow for everything they hold. carol is not onboarded.
 */
/**
 * The terms trade `id` was proposed with, from its TradeProposed event (the escrow keeps only their hash):
 * what a test passes to fund, cancel, expire and closeByOrder.
 */
export async function proposedTerms(escrow: DvPEscrow, id: string): Promise<TradeTerms> {
  const { terms } = await lockedTrade(escrow, id);
  if (!terms) throw new Error(`no trade has id ${id}`);
  return terms;
}

export async function dvpFixture() {
  const { suite, ...base } = await onboardedSuite(true);
  const { alice, bob, issuer, desk } = base;
  const cash = suite.tokens.USD;
  const asset = suite.securities[DEMO_SECURITY.isin];
  const escrow = suite.escrow!;
  await desk.connect(issuer).mint(bob.address, usd("10000.00"), ethers.id("deposit-bob-1"));
  await asset.connect(issuer).issue(alice.address, units(1000));
  const escrowAddress = await escrow.getAddress();
  await asset.connect(alice).approve(escrowAddress, ethers.MaxUint256);
  await cash.connect(bob).approve(escrowAddress, ethers.MaxUint256);
  const deadline = BigInt((await time.latest()) + 7 * 24 * 3600);
  const terms = {
    seller: alice.address, buyer: bob.address,
    asset: await asset.getAddress(), assetAmount: units(100),
    cash: await cash.getAddress(), cashAmount: usd("9950.00"),
    deadline, ref: ethers.id("TRADE-2026-11-24-0001"),
  };
  return { ...base, cash, asset, escrow, escrowAddress, terms };
}

/** Proposes and returns the trade id from the TradeProposed event. */
export async function propose(escrow: DvPEscrow, by: HardhatEthersSigner, terms: TradeTerms): Promise<string> {
  const receipt = await (await escrow.connect(by).proposeTrade(terms)).wait();
  for (const log of receipt!.logs) {
    const parsed = escrow.interface.parseLog(log);
    if (parsed?.name === "TradeProposed") return parsed.args.tradeId as string;
  }
  throw new Error("no TradeProposed event");
}

/**
 * Netted batches: three listed securities and the USD deposit token among four parties of three
 * participants (alice of alpha, bob of beta, carol of gamma, dave of delta). Each party holds 1,000 units
 * of every security and 100,000.00 USD and approved the escrow for everything. `sign` signs terms by both
 * parties; `trade` builds terms with a fresh reference.
 */
export async function batchFixture() {
  const { suite, ...base } = await onboardedSuite(true, SAMPLE_SECURITIES);
  const { compliance, issuer, desk, alice, bob, carol } = base;
  const dave = (await ethers.getSigners())[12];
  const kycExpiry = (await time.latest()) + YEAR;
  await suite.registry.connect(compliance).onboard(ids.gamma, [carol.address], kycExpiry);
  await suite.registry.connect(compliance).onboard(ids.delta, [dave.address], kycExpiry);
  const cash = suite.tokens.USD;
  const securities = SAMPLE_SECURITIES.map((s) => suite.securities[s.isin]);
  const escrow = suite.escrow!;
  const escrowAddress = await escrow.getAddress();
  const parties = [alice, bob, carol, dave];
  for (const [i, p] of parties.entries()) {
    await desk.connect(issuer).mint(p.address, usd("100000.00"), ethers.id(`deposit-batch-${i}`));
    await cash.connect(p).approve(escrowAddress, ethers.MaxUint256);
    for (const s of securities) {
      await s.connect(issuer).issue(p.address, units(1000));
      await s.connect(p).approve(escrowAddress, ethers.MaxUint256);
    }
  }
  const { chainId } = await ethers.provider.getNetwork();
  const deadline = BigInt((await time.latest()) + 7 * 24 * 3600);
  const cashAddress = await cash.getAddress();
  const securityAddresses = await Promise.all(securities.map((s) => s.getAddress()));
  const signerOf = new Map(parties.map((p) => [p.address, p]));
  let refs = 0;
  const trade = (seller: { address: string }, buyer: { address: string }, security: number, assetAmount: bigint, cashAmount: bigint): TradeTerms => ({
    seller: seller.address, buyer: buyer.address, asset: securityAddresses[security], assetAmount,
    cash: cashAddress, cashAmount, deadline, ref: ethers.encodeBytes32String(`BATCH-${++refs}`),
  });
  const sign = async (terms: TradeTerms): Promise<SignedTrade> => ({
    terms,
    sellerSig: await signTrade(signerOf.get(terms.seller)!, escrowAddress, chainId, terms),
    buyerSig: await signTrade(signerOf.get(terms.buyer)!, escrowAddress, chainId, terms),
  });
  return { ...base, cash, securities, escrow, escrowAddress, dave, parties, chainId, deadline, trade, sign };
}

/** Amount in EUR cents from a decimal string. */
export const eur = (x: string): bigint => ethers.parseUnits(x, 2);

/**
 * Quoted cross-currency payments: USD and EUR deposit tokens (reserves of 1,000,000.00 each), FxQuotes
 * onboarded with both listed. Payer alice (alpha) holds 10,000.00 USD, the liquidity provider lp (gamma)
 * 100,000.00 EUR and 1.00 USD; beneficiary bob (beta) holds nothing; all approved FxQuotes for everything.
 * `quote` is lp's offer to alice: 920.00 EUR for 1,000.00 USD, valid five minutes; `sign` signs a quote by
 * lp (or another signer). carol is not onboarded.
 */
export async function fxFixture() {
  const { suite, ...base } = await onboardedSuite(true, [], [CURRENCIES.USD, CURRENCIES.EUR]);
  const { compliance, issuer, reserve, alice } = base;
  const lp = (await ethers.getSigners())[13];
  await suite.registry.connect(compliance).onboard(ids.gamma, [lp.address], (await time.latest()) + YEAR);
  const [usdToken, eurToken] = [suite.tokens.USD, suite.tokens.EUR];
  await suite.desks.EUR.connect(reserve).attestReserves(eur("1000000.00"), ethers.id("report-eur-1"), await time.latest());
  const fx = suite.fxQuotes!;
  const fxAddress = await fx.getAddress();
  await base.desk.connect(issuer).mint(alice.address, usd("10000.00"), ethers.id("deposit-alice-1"));
  await base.desk.connect(issuer).mint(lp.address, usd("1.00"), ethers.id("deposit-lp-1"));
  await suite.desks.EUR.connect(issuer).mint(lp.address, eur("100000.00"), ethers.id("deposit-lp-eur-1"));
  await usdToken.connect(alice).approve(fxAddress, ethers.MaxUint256);
  await eurToken.connect(lp).approve(fxAddress, ethers.MaxUint256);
  const { chainId } = await ethers.provider.getNetwork();
  const quote: FxQuote = {
    provider: lp.address, payer: alice.address,
    sellToken: await eurToken.getAddress(), sellAmount: eur("920.00"),
    buyToken: await usdToken.getAddress(), buyAmount: usd("1000.00"),
    validUntil: BigInt((await time.latest()) + 300), nonce: ethers.id("LP-QUOTE-1"),
  };
  const sign = (q: FxQuote, by: Parameters<typeof signQuote>[0] = lp) => signQuote(by, fxAddress, chainId, q);
  return { ...base, suite, fx, fxAddress, usdToken, eurToken, lp, chainId, quote, sign, signature: await sign(quote) };
}

/**
 * Payment versus payment: the USD and EUR deposit tokens and the demo security, all listed in the
 * escrow, among four parties of four participants (alice of alpha, bob of beta, carol of gamma, dave of
 * delta). Reserves of 5,000,000.00 in each currency; alice holds 1,000,000.00 EUR and 100,000.00 USD,
 * bob 1,000,000.00 USD and 100,000.00 EUR, carol and dave 100,000.00 of each; everyone approved the
 * escrow for everything. `pvp` builds terms of a seller paying EUR (the asset leg) against a buyer paying
 * USD (the cash leg), with a fresh reference; `sign` signs terms by both parties.
 */
export async function pvpFixture() {
  const { suite, ...base } = await onboardedSuite(true, [DEMO_SECURITY], [CURRENCIES.USD, CURRENCIES.EUR]);
  const { compliance, issuer, reserve, alice, bob, carol } = base;
  const dave = (await ethers.getSigners())[12];
  const kycExpiry = (await time.latest()) + YEAR;
  await suite.registry.connect(compliance).onboard(ids.gamma, [carol.address], kycExpiry);
  await suite.registry.connect(compliance).onboard(ids.delta, [dave.address], kycExpiry);
  const [usdToken, eurToken] = [suite.tokens.USD, suite.tokens.EUR];
  await time.increase(1);
  await suite.desks.USD.connect(reserve).attestReserves(usd("5000000.00"), ethers.id("report-usd-2"), await time.latest());
  await suite.desks.EUR.connect(reserve).attestReserves(eur("5000000.00"), ethers.id("report-eur-1"), await time.latest());
  const escrow = suite.escrow!;
  const escrowAddress = await escrow.getAddress();
  const parties = [alice, bob, carol, dave];
  const holds: Record<string, [string, string]> = {
    [alice.address]: ["100000.00", "1000000.00"], [bob.address]: ["1000000.00", "100000.00"],
    [carol.address]: ["100000.00", "100000.00"], [dave.address]: ["100000.00", "100000.00"],
  };
  for (const [i, p] of parties.entries()) {
    const [inUsd, inEur] = holds[p.address];
    await suite.desks.USD.connect(issuer).mint(p.address, usd(inUsd), ethers.id(`deposit-usd-${i}`));
    await suite.desks.EUR.connect(issuer).mint(p.address, eur(inEur), ethers.id(`deposit-eur-${i}`));
    await usdToken.connect(p).approve(escrowAddress, ethers.MaxUint256);
    await eurToken.connect(p).approve(escrowAddress, ethers.MaxUint256);
  }
  const { chainId } = await ethers.provider.getNetwork();
  const deadline = BigInt((await time.latest()) + 7 * 24 * 3600);
  const [usdAddress, eurAddress] = [await usdToken.getAddress(), await eurToken.getAddress()];
  const signerOf = new Map(parties.map((p) => [p.address, p]));
  let refs = 0;
  const pvp = (seller: { address: string }, buyer: { address: string }, eurAmount: bigint, usdAmount: bigint): TradeTerms => ({
    seller: seller.address, buyer: buyer.address, asset: eurAddress, assetAmount: eurAmount,
    cash: usdAddress, cashAmount: usdAmount, deadline, ref: ethers.encodeBytes32String(`PVP-${++refs}`),
  });
  const sign = async (terms: TradeTerms): Promise<SignedTrade> => ({
    terms,
    sellerSig: await signTrade(signerOf.get(terms.seller)!, escrowAddress, chainId, terms),
    buyerSig: await signTrade(signerOf.get(terms.buyer)!, escrowAddress, chainId, terms),
  });
  return {
    ...base, usdToken, eurToken, security: suite.securities[DEMO_SECURITY.isin], escrow, escrowAddress, dave, parties, chainId,
    deadline, pvp, sign,
  };
}
