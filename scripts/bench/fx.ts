import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { CURRENCIES } from "../../lib/config";
import { FxQuote, signQuote } from "../../lib/fx";
import { benchSuite } from "./suite";
import { GasRow, gasOf } from "./gasTable";

/**
 * Gas of a cross-currency payment against a provider's signed quote (FxQuotes.payWithQuote: the
 * payer's USD to the provider, the provider's EUR to the beneficiary), beside what moving both legs
 * costs without it, measured in the same run: two plain ERC-20 transferFrom calls
 * (contracts/mocks/PlainERC20.sol), and two deposit-token transferFrom calls (the permissioned floor).
 * Every party already holds both currencies and approved the spender for the maximum.
 */
export async function measureFxGas(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const { ethers } = hre;
  const [, , payer, provider, beneficiary, agent] = await ethers.getSigners();
  const { suite, ops, issuer } = await benchSuite(hre, [], [CURRENCIES.USD, CURRENCIES.EUR]);
  const usd = suite.tokens.USD;
  const eur = suite.tokens.EUR;
  const fx = suite.fxQuotes!;
  const fxAddress = await fx.getAddress();
  const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
  const parties = [payer, provider, beneficiary, agent];
  for (const [i, who] of parties.entries()) {
    await (await suite.registry.connect(ops).onboard(ethers.id(`bench-fx-${i}`), [who.address], expiry)).wait();
    for (const token of [usd, eur]) {
      const desk = suite.desks[await token.currency()].connect(issuer);
      await (await desk.mint(who.address, 10n ** 12n, ethers.id(`bench-fx-${i}-${await token.currency()}`))).wait();
      await (await token.connect(who).approve(fxAddress, ethers.MaxUint256)).wait();
    }
  }

  // Baselines: the two legs as transferFrom calls by a third party (plain ERC-20, then the deposit tokens), warmed up once.
  const plainUsd = await ethers.deployContract("PlainERC20");
  const plainEur = await ethers.deployContract("PlainERC20");
  for (const token of [plainUsd, plainEur]) {
    for (const who of parties) await (await token.mint(who.address, 10n ** 12n)).wait();
    for (const who of [payer, provider]) await (await token.connect(who).approve(agent.address, ethers.MaxUint256)).wait();
  }
  for (const token of [usd, eur]) {
    for (const who of [payer, provider]) await (await token.connect(who).approve(agent.address, ethers.MaxUint256)).wait();
  }
  const legs = async (u: typeof plainUsd | typeof usd, e: typeof plainEur | typeof eur, amount: bigint) =>
    (await gasOf(u.connect(agent).transferFrom(payer.address, provider.address, amount)))
    + (await gasOf(e.connect(agent).transferFrom(provider.address, beneficiary.address, amount)));
  await legs(plainUsd, plainEur, 1n);
  await legs(usd, eur, 1n);
  const plain = { label: "two plain ERC20 transferFrom", gas: await legs(plainUsd, plainEur, 100_000n) };
  const permissioned = { label: "two deposit-token transferFrom", gas: await legs(usd, eur, 100_000n) };

  const { chainId } = await ethers.provider.getNetwork();
  let n = 0;
  const quote = async (): Promise<FxQuote> => ({
    provider: provider.address, payer: payer.address,
    sellToken: await eur.getAddress(), sellAmount: 92_000n, buyToken: await usd.getAddress(), buyAmount: 100_000n,
    validUntil: BigInt(expiry), nonce: ethers.id(`bench-fx-quote-${++n}`),
  });
  const pay = async (q: FxQuote) =>
    gasOf(fx.connect(payer).payWithQuote(q, await signQuote(provider, fxAddress, chainId, q), beneficiary.address, ethers.id(`BENCH-FX-${n}`)));
  await pay(await quote()); // warm-up
  const paid = await pay(await quote());
  const anyPayer = await pay({ ...(await quote()), payer: ethers.ZeroAddress });
  const cancelled = await gasOf(fx.connect(provider).cancelQuote(ethers.id("bench-fx-cancel")));
  return [
    { operation: "payWithQuote (named payer)", gas: paid, baseline: plain },
    { operation: "payWithQuote (named payer)", gas: paid, baseline: permissioned },
    { operation: "payWithQuote (any payer)", gas: anyPayer, baseline: plain },
    { operation: "cancelQuote", gas: cancelled },
  ];
}
