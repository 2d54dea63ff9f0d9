import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import type { BaseContract } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { eur, fxFixture, ids, usd } from "../fixtures";
import { FxQuote, quoteHash, signQuote } from "../../lib/fx";
import { upgradeThroughTimelock } from "../../lib/upgrade";

const Suspended = 2;
const NonceState = { Unused: 0n, Used: 1n, Cancelled: 2n };
const REF = ethers.id("PAY-2026-12-01-0001");

type Fixture = Awaited<ReturnType<typeof fxFixture>>;

/** Every balance the payments may touch, and the quote's nonce state: what a refusal must leave as it was. */
async function snapshot(f: Fixture, q: FxQuote = f.quote) {
  const holders = [f.alice.address, f.bob.address, f.lp.address, f.fxAddress, q.provider];
  return {
    usd: await Promise.all(holders.map((h) => f.usdToken.balanceOf(h))),
    eur: await Promise.all(holders.map((h) => f.eurToken.balanceOf(h))),
    nonce: await f.fx.nonceState(q.provider, q.nonce),
  };
}

/** Expects `tx` to revert with `error` of `on` and its arguments, and nothing to have moved. */
async function refused(f: Fixture, tx: () => Promise<unknown>, on: BaseContract, error: string, args: unknown[], q: FxQuote = f.quote) {
  const before = await snapshot(f, q);
  await expect(tx()).to.be.revertedWithCustomError(on, error).withArgs(...args);
  expect(await snapshot(f, q)).to.deep.equal(before);
  expect(before.nonce).to.equal(NonceState.Unused);
}

describe("FxQuotes: cross-currency payment against a liquidity provider's signed quote", function () {
  describe("paying with a quote", function () {
    it("moves the payer's USD to the provider and the provider's EUR to the beneficiary in one transaction, with the reference", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, fxAddress, alice, bob, lp, usdToken, eurToken, quote, signature, chainId } = f;
      const digest = quoteHash(fxAddress, chainId, quote);
      expect(await fx.hashQuote(quote)).to.equal(digest);
      expect(await fx.whyNot(quote, signature, alice.address, bob.address)).to.equal("0x");
      expect(await fx.connect(alice).payWithQuote.staticCall(quote, signature, bob.address, REF)).to.equal(digest);
      const tx = fx.connect(alice).payWithQuote(quote, signature, bob.address, REF);
      await expect(tx).to.emit(fx, "QuotePaid").withArgs(digest, alice.address, REF, bob.address, Object.values(quote));
      await expect(tx).to.changeTokenBalances(usdToken, [alice, lp, bob, fxAddress], [-quote.buyAmount, quote.buyAmount, 0n, 0n]);
      await expect(tx).to.changeTokenBalances(eurToken, [alice, lp, bob, fxAddress], [0n, -quote.sellAmount, quote.sellAmount, 0n]);
      expect(await fx.nonceState(lp.address, quote.nonce)).to.equal(NonceState.Used);
      expect(await usdToken.balanceOf(fxAddress)).to.equal(0n);
      expect(await eurToken.balanceOf(fxAddress)).to.equal(0n);
    });

    it("uses a quote once: a second payment with it is refused as used and moves nothing", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, lp, quote, signature } = f;
      await fx.connect(alice).payWithQuote(quote, signature, bob.address, REF);
      const before = await snapshot(f);
      await expect(fx.connect(alice).payWithQuote(quote, signature, bob.address, ethers.id("PAY-2")))
        .to.be.revertedWithCustomError(fx, "QuoteUsed").withArgs(lp.address, quote.nonce);
      expect(await snapshot(f)).to.deep.equal(before);
      expect(await fx.whyNot(quote, signature, alice.address, bob.address))
        .to.equal(fx.interface.encodeErrorResult("QuoteUsed", [lp.address, quote.nonce]));
    });

    it("refuses a quote named for one payer to anyone else", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, alice2, bob, quote, signature } = f;
      await refused(f, () => fx.connect(alice2).payWithQuote(quote, signature, bob.address, REF), fx, "NotQuotePayer", [alice.address, alice2.address]);
    });

    it("lets any allowed payer use a quote for any payer, once: the first submitter takes it", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, fxAddress, alice, alice2, bob, lp, usdToken, eurToken, desk, issuer, quote, sign } = f;
      const open = { ...quote, payer: ethers.ZeroAddress };
      const signature = await sign(open);
      await desk.connect(issuer).mint(alice2.address, usd("1000.00"), ethers.id("deposit-alice2-1"));
      await usdToken.connect(alice2).approve(fxAddress, ethers.MaxUint256);
      const tx = fx.connect(alice2).payWithQuote(open, signature, bob.address, REF);
      await expect(tx).to.changeTokenBalances(usdToken, [alice2, lp], [-open.buyAmount, open.buyAmount]);
      await expect(tx).to.changeTokenBalances(eurToken, [lp, bob], [-open.sellAmount, open.sellAmount]);
      await expect(fx.connect(alice).payWithQuote(open, signature, bob.address, REF))
        .to.be.revertedWithCustomError(fx, "QuoteUsed").withArgs(lp.address, open.nonce);
    });

    it("refuses a zero payment reference", async function () {
      const f = await loadFixture(fxFixture);
      await refused(f, () => f.fx.connect(f.alice).payWithQuote(f.quote, f.signature, f.bob.address, ethers.ZeroHash), f.fx, "ReferenceMissing", []);
    });
  });

  describe("validity", function () {
    it("refuses a quote after its last valid second, naming both times", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, quote, signature } = f;
      await time.increaseTo(quote.validUntil + 1n);
      await refused(f, () => fx.connect(alice).payWithQuote(quote, signature, bob.address, REF), fx, "QuoteExpired", [quote.validUntil, quote.validUntil + 2n]);
      expect(await fx.whyNot(quote, signature, alice.address, bob.address))
        .to.equal(fx.interface.encodeErrorResult("QuoteExpired", [quote.validUntil, quote.validUntil + 2n]));
    });

    it("pays at the quote's last valid second", async function () {
      const { fx, alice, bob, lp, quote, signature } = await loadFixture(fxFixture);
      await time.setNextBlockTimestamp(quote.validUntil);
      await expect(fx.connect(alice).payWithQuote(quote, signature, bob.address, REF)).to.emit(fx, "QuotePaid");
      expect(await fx.nonceState(lp.address, quote.nonce)).to.equal(NonceState.Used);
    });

    it("lets the provider cancel a nonce: the quote is refused as cancelled, and a nonce cancels once", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, lp, quote, signature } = f;
      await expect(fx.connect(lp).cancelQuote(quote.nonce)).to.emit(fx, "QuoteNonceCancelled").withArgs(lp.address, quote.nonce);
      expect(await fx.nonceState(lp.address, quote.nonce)).to.equal(NonceState.Cancelled);
      const before = await snapshot(f);
      await expect(fx.connect(alice).payWithQuote(quote, signature, bob.address, REF))
        .to.be.revertedWithCustomError(fx, "QuoteCancelled").withArgs(lp.address, quote.nonce);
      expect(await snapshot(f)).to.deep.equal(before);
      await expect(fx.connect(lp).cancelQuote(quote.nonce)).to.be.revertedWithCustomError(fx, "QuoteCancelled").withArgs(lp.address, quote.nonce);
    });

    it("cancels only the caller's own nonces: anyone else's cancellation leaves the provider's quote payable", async function () {
      const { fx, alice, bob, lp, outsider, quote, signature } = await loadFixture(fxFixture);
      await expect(fx.connect(outsider).cancelQuote(quote.nonce)).to.emit(fx, "QuoteNonceCancelled").withArgs(outsider.address, quote.nonce);
      expect(await fx.nonceState(lp.address, quote.nonce)).to.equal(NonceState.Unused);
      await expect(fx.connect(alice).payWithQuote(quote, signature, bob.address, REF)).to.emit(fx, "QuotePaid");
    });

    it("refuses to cancel a nonce already spent by a payment", async function () {
      const { fx, alice, bob, lp, quote, signature } = await loadFixture(fxFixture);
      await fx.connect(alice).payWithQuote(quote, signature, bob.address, REF);
      await expect(fx.connect(lp).cancelQuote(quote.nonce)).to.be.revertedWithCustomError(fx, "QuoteUsed").withArgs(lp.address, quote.nonce);
    });

    it("lets a suspended provider still cancel its quotes", async function () {
      const { fx, lp, registry, compliance, quote } = await loadFixture(fxFixture);
      await registry.connect(compliance).setStatus(ids.gamma, Suspended);
      await expect(fx.connect(lp).cancelQuote(quote.nonce)).to.emit(fx, "QuoteNonceCancelled").withArgs(lp.address, quote.nonce);
    });
  });

  describe("signatures", function () {
    it("refuses tampered terms: amounts, tokens, validity, payer or nonce no longer match the provider's signature", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, lp, quote, signature, desk, issuer, suite } = f;
      const tampered: FxQuote[] = [
        { ...quote, sellAmount: quote.sellAmount + 1n },
        { ...quote, buyAmount: quote.buyAmount - 1n },
        { ...quote, validUntil: quote.validUntil + 3600n },
        { ...quote, payer: ethers.ZeroAddress },
      ];
      for (const q of tampered) {
        await refused(f, () => fx.connect(alice).payWithQuote(q, signature, bob.address, REF), fx, "InvalidQuoteSignature", [lp.address], q);
      }
      const renonced = { ...quote, nonce: ethers.id("LP-QUOTE-2") };
      await refused(f, () => fx.connect(alice).payWithQuote(renonced, signature, bob.address, REF), fx, "InvalidQuoteSignature", [lp.address], renonced);
      // tokens swapped: lp would sell USD and buy EUR
      await desk.connect(issuer).mint(lp.address, usd("2000.00"), ethers.id("deposit-lp-2"));
      await suite.desks.EUR.connect(issuer).mint(alice.address, eur("2000.00"), ethers.id("deposit-alice-eur"));
      const swapped = { ...quote, sellToken: quote.buyToken, buyToken: quote.sellToken };
      await refused(f, () => fx.connect(alice).payWithQuote(swapped, signature, bob.address, REF), fx, "InvalidQuoteSignature", [lp.address], swapped);
    });

    it("refuses a quote signed by anyone but its provider, a malformed signature, and one made for another contract or chain", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, lp, quote, sign, chainId } = f;
      const pay = (sig: string) => () => fx.connect(alice).payWithQuote(quote, sig, bob.address, REF);
      await refused(f, pay(await sign(quote, alice)), fx, "InvalidQuoteSignature", [lp.address]);
      await refused(f, pay("0x1234"), fx, "InvalidQuoteSignature", [lp.address]);
      const other = await upgrades.deployProxy(await ethers.getContractFactory("FxQuotes"), [await f.registry.getAddress(), f.admin.address, 0], { kind: "uups" });
      await refused(f, pay(await signQuote(lp, await other.getAddress(), chainId, quote)), fx, "InvalidQuoteSignature", [lp.address]);
      await refused(f, pay(await signQuote(lp, f.fxAddress, 1n, quote)), fx, "InvalidQuoteSignature", [lp.address]);
    });

    it("accepts a provider that is a contract wallet (ERC-1271) and refuses a signature it does not confirm", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, fxAddress, alice, bob, lp, registry, compliance, eurToken, suite, issuer, quote } = f;
      const wallet = await ethers.deployContract("ERC1271WalletMock", [lp.address]);
      const provider = await wallet.getAddress();
      await registry.connect(compliance).linkWallet(ids.gamma, provider);
      await suite.desks.EUR.connect(issuer).mint(provider, eur("5000.00"), ethers.id("deposit-wallet-eur"));
      await wallet.connect(lp).approve(await eurToken.getAddress(), fxAddress, ethers.MaxUint256);
      const q = { ...quote, provider };
      await refused(f, () => fx.connect(alice).payWithQuote(q, "0x", bob.address, REF), fx, "InvalidQuoteSignature", [provider], q);
      const byOther = await f.sign(q, alice);
      await refused(f, () => fx.connect(alice).payWithQuote(q, byOther, bob.address, REF), fx, "InvalidQuoteSignature", [provider], q);
      const tx = fx.connect(alice).payWithQuote(q, await f.sign(q, lp), bob.address, REF);
      await expect(tx).to.changeTokenBalances(eurToken, [provider, bob.address], [-q.sellAmount, q.sellAmount]);
      expect(await fx.nonceState(provider, q.nonce)).to.equal(NonceState.Used);
    });

    it("refuses a provider contract that does not answer ERC-1271", async function () {
      const f = await loadFixture(fxFixture);
      const q = { ...f.quote, provider: f.fxAddress };
      await refused(f, () => f.fx.connect(f.alice).payWithQuote(q, "0x", f.bob.address, REF), f.fx, "InvalidQuoteSignature", [f.fxAddress], q);
    });
  });

  describe("terms", function () {
    it("refuses a token that is not listed, either leg, and the same token on both legs", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, admin, alice, bob, quote, sign, usdToken, eurToken } = f;
      const plain = await (await ethers.deployContract("PlainERC20")).getAddress();
      for (const q of [{ ...quote, sellToken: plain }, { ...quote, buyToken: plain }]) {
        await refused(f, async () => fx.connect(alice).payWithQuote(q, await sign(q), bob.address, REF), fx, "TokenNotListed", [plain], q);
      }
      const same = { ...quote, sellToken: quote.buyToken };
      await refused(f, async () => fx.connect(alice).payWithQuote(same, await sign(same), bob.address, REF), fx, "SameToken", [quote.buyToken], same);
      await expect(fx.connect(admin).listToken(await eurToken.getAddress(), false)).to.emit(fx, "TokenListed").withArgs(quote.sellToken, false);
      expect(await fx.isListed(quote.sellToken)).to.equal(false);
      expect(await fx.isListed(await usdToken.getAddress())).to.equal(true);
      await refused(f, () => fx.connect(alice).payWithQuote(quote, f.signature, bob.address, REF), fx, "TokenNotListed", [quote.sellToken]);
    });

    it("refuses a quote with a zero amount on either leg", async function () {
      const f = await loadFixture(fxFixture);
      for (const q of [{ ...f.quote, sellAmount: 0n }, { ...f.quote, buyAmount: 0n }]) {
        await refused(f, async () => f.fx.connect(f.alice).payWithQuote(q, await f.sign(q), f.bob.address, REF), f.fx, "QuoteAmountZero", [], q);
      }
    });
  });

  describe("participants and the tokens' own rules", function () {
    it("refuses a suspended provider, a suspended payer and a beneficiary the registry does not allow, naming each", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, carol, lp, registry, compliance, quote, signature } = f;
      const pay = (to = bob.address) => () => fx.connect(alice).payWithQuote(quote, signature, to, REF);
      await refused(f, pay(carol.address), fx, "BeneficiaryNotAllowed", [carol.address]);
      await registry.connect(compliance).setStatus(ids.beta, Suspended);
      await refused(f, pay(), fx, "BeneficiaryNotAllowed", [bob.address]);
      await registry.connect(compliance).setStatus(ids.alpha, Suspended);
      await refused(f, pay(), fx, "PayerNotAllowed", [alice.address]);
      await registry.connect(compliance).setStatus(ids.gamma, Suspended);
      await refused(f, pay(), fx, "ProviderNotAllowed", [lp.address]);
      expect(await fx.whyNot(quote, signature, alice.address, bob.address))
        .to.equal(fx.interface.encodeErrorResult("ProviderNotAllowed", [lp.address]));
    });

    it("moves nothing when the token refuses a leg: a frozen provider, beneficiary or payer", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, lp, compliance, usdToken, eurToken, quote, signature } = f;
      const pay = () => fx.connect(alice).payWithQuote(quote, signature, bob.address, REF);
      for (const [token, wallet] of [[eurToken, lp], [eurToken, bob], [usdToken, alice]] as const) {
        await token.connect(compliance).freeze(wallet.address);
        await refused(f, pay, token, "WalletFrozen", [wallet.address]);
        await token.connect(compliance).unfreeze(wallet.address);
      }
    });

    it("moves nothing while either token is paused", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, pauser, usdToken, eurToken, quote, signature } = f;
      for (const token of [eurToken, usdToken]) {
        await token.connect(pauser).pause();
        await refused(f, () => fx.connect(alice).payWithQuote(quote, signature, bob.address, REF), token, "TokenPaused", []);
        await token.connect(pauser).unpause();
      }
    });

    it("moves nothing when FxQuotes itself is suspended in the registry", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, alice, bob, registry, compliance, usdToken, quote, signature } = f;
      await registry.connect(compliance).setStatus(ethers.id("FX-QUOTES"), Suspended);
      await refused(f, () => fx.connect(alice).payWithQuote(quote, signature, bob.address, REF), usdToken, "ParticipantNotAllowed", [f.fxAddress]);
    });
  });

  describe("liquidity between quote and payment", function () {
    it("refuses naming the provider's leg when it withdrew its allowance or its balance", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, fxAddress, alice, bob, lp, eurToken, quote, signature } = f;
      const pay = () => fx.connect(alice).payWithQuote(quote, signature, bob.address, REF);
      const eurAddress = await eurToken.getAddress();
      await eurToken.connect(lp).approve(fxAddress, quote.sellAmount - 1n);
      await refused(f, pay, fx, "LegNotFunded", [lp.address, eurAddress, quote.sellAmount, eur("100000.00"), quote.sellAmount - 1n]);
      await eurToken.connect(lp).approve(fxAddress, ethers.MaxUint256);
      await eurToken.connect(lp).transfer(alice.address, eur("99500.00"));
      await refused(f, pay, fx, "LegNotFunded", [lp.address, eurAddress, quote.sellAmount, eur("500.00"), ethers.MaxUint256]);
    });

    it("refuses naming the payer's leg when the payer cannot pay", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, fxAddress, alice, bob, usdToken, quote, signature } = f;
      const usdAddress = await usdToken.getAddress();
      await usdToken.connect(alice).approve(fxAddress, 0);
      await refused(f, () => fx.connect(alice).payWithQuote(quote, signature, bob.address, REF), fx, "LegNotFunded",
        [alice.address, usdAddress, quote.buyAmount, usd("10000.00"), 0n]);
      await usdToken.connect(alice).approve(fxAddress, ethers.MaxUint256);
      await usdToken.connect(alice).transfer(bob.address, usd("9500.00"));
      await refused(f, () => fx.connect(alice).payWithQuote(quote, signature, bob.address, REF), fx, "LegNotFunded",
        [alice.address, usdAddress, quote.buyAmount, usd("500.00"), ethers.MaxUint256]);
    });
  });

  describe("a hostile listed token", function () {
    it("finds the quote already used when it calls back during the transfer: the nonce is spent before any token moves", async function () {
      const f = await loadFixture(fxFixture);
      const { fx, fxAddress, admin, alice, bob, lp, quote, sign } = f;
      const hostile = await ethers.deployContract("ReentrantToken");
      const hostileAddress = await hostile.getAddress();
      await hostile.mint(alice.address, 10n ** 6n);
      await hostile.connect(alice).approve(fxAddress, ethers.MaxUint256);
      await fx.connect(admin).listToken(hostileAddress, true);
      const q = { ...quote, buyToken: hostileAddress, buyAmount: 1000n, payer: ethers.ZeroAddress };
      const signature = await sign(q);
      await hostile.arm(fxAddress, fx.interface.encodeFunctionData("payWithQuote", [q, signature, bob.address, REF]));
      await refused(f, () => fx.connect(alice).payWithQuote(q, signature, bob.address, REF), fx, "QuoteUsed", [lp.address, q.nonce], q);
      expect(await hostile.balanceOf(alice.address)).to.equal(10n ** 6n);
      expect(await hostile.balanceOf(fxAddress)).to.equal(0n);
    });
  });

  describe("administration", function () {
    it("lists and delists only by the default admin, and only contracts", async function () {
      const { fx, admin, outsider, alice, quote } = await loadFixture(fxFixture);
      await expect(fx.connect(outsider).listToken(quote.sellToken, false))
        .to.be.revertedWithCustomError(fx, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.ZeroHash);
      await expect(fx.connect(admin).listToken(alice.address, true)).to.be.revertedWithCustomError(fx, "TokenNotListed").withArgs(alice.address);
      expect(await fx.isListed(quote.sellToken)).to.equal(true);
    });

    it("names its registry and refuses an initialisation with an address that is not one", async function () {
      const { fx, registry, admin, carol } = await loadFixture(fxFixture);
      expect(await fx.registry()).to.equal(await registry.getAddress());
      const factory = await ethers.getContractFactory("FxQuotes");
      await expect(upgrades.deployProxy(factory, [carol.address, admin.address, 0], { kind: "uups" }))
        .to.be.revertedWithCustomError(fx, "InvalidRegistry").withArgs(carol.address);
    });

    it("upgrades through the timelock with spent nonces and listings intact, and refuses anyone else", async function () {
      const { fx, fxAddress, admin, upgrader, timelock, alice, bob, lp, quote, signature } = await loadFixture(fxFixture);
      await fx.connect(alice).payWithQuote(quote, signature, bob.address, REF);
      for (const who of [admin, upgrader]) {
        const direct = await ethers.getContractFactory("FxQuotesV2Mock", who);
        await expect(upgrades.upgradeProxy(fxAddress, direct, { kind: "uups" }))
          .to.be.revertedWithCustomError(fx, "AccessControlUnauthorizedAccount").withArgs(who.address, ethers.id("UPGRADER_ROLE"));
      }
      await upgradeThroughTimelock(hre, timelock, upgrader, fxAddress, "FxQuotesV2Mock");
      const upgraded = await ethers.getContractAt("FxQuotesV2Mock", fxAddress);
      expect(await upgraded.version()).to.equal("2");
      expect(await upgraded.nonceState(lp.address, quote.nonce)).to.equal(NonceState.Used);
      expect(await upgraded.isListed(quote.sellToken)).to.equal(true);
      await expect(upgraded.connect(alice).payWithQuote(quote, signature, bob.address, REF))
        .to.be.revertedWithCustomError(fx, "QuoteUsed").withArgs(lp.address, quote.nonce);
    });
  });
});
