import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { batchFixture, ids, units, usd } from "../fixtures";
import { batchTotals, netPositions, signTrade, SignedTrade, tradeHash, TradeTerms } from "../../lib/dvp";
import type { GasBurningToken, PlainERC20, RawAnswerToken, ReentrantToken, ShortDeliveryToken } from "../../typechain-types";

type Fixture = Awaited<ReturnType<typeof batchFixture>>;

/**
 * Eight trades among the four parties in three securities and USD: every party both pays and receives,
 * and carol's net in the second security is zero (she buys 40 and sells 40).
 */
async function batch() {
  const f = await batchFixture();
  const { alice, bob, carol, dave, trade } = f;
  const terms = [
    trade(alice, bob, 0, units(100), usd("10000.00")),
    trade(bob, carol, 0, units(60), usd("6100.00")),
    trade(carol, alice, 0, units(30), usd("2950.00")),
    trade(dave, alice, 1, units(50), usd("5000.00")),
    trade(alice, carol, 1, units(40), usd("4100.00")),
    trade(carol, bob, 1, units(40), usd("4120.00")),
    trade(bob, dave, 2, units(200), usd("19900.00")),
    trade(dave, alice, 2, units(120), usd("12000.00")),
  ];
  const signed = await Promise.all(terms.map((t) => f.sign(t)));
  return { ...f, terms, signed };
}

/** Every party's and the escrow's balance of every token, and every allowance given to the escrow. */
async function holdings(f: Fixture) {
  const rows: bigint[] = [];
  for (const token of [f.cash, ...f.securities]) {
    for (const who of [...f.parties.map((p) => p.address), f.escrowAddress]) rows.push(await token.balanceOf(who));
    for (const p of f.parties) rows.push(await token.allowance(p.address, f.escrowAddress));
  }
  return rows;
}

/** The encoded error settleSigned would raise, as TradeRefused carries it. */
const reason = (f: Fixture, name: string, args: unknown[]) => f.escrow.interface.encodeErrorResult(name, args);

describe("DvPEscrow: netted batch of signed trades", function () {
  it("settles trades among four parties in three securities and one cash token, moving each party's net only", async function () {
    const f = await loadFixture(batch);
    const before = new Map<string, bigint>();
    const tokens = [f.cash, ...f.securities];
    for (const token of tokens) for (const p of f.parties) before.set(`${await token.getAddress()}:${p.address}`, await token.balanceOf(p.address));
    const escrowBefore = await Promise.all(tokens.map((t) => t.balanceOf(f.escrowAddress)));

    const tx = f.escrow.connect(f.agent).settleSignedBatch(f.signed);
    for (const t of f.terms) {
      await expect(tx).to.emit(f.escrow, "SignedTradeSettled")
        .withArgs(tradeHash(f.escrowAddress, f.chainId, t), t.ref, f.agent.address, Object.values(t));
    }
    const totals = batchTotals(f.terms);
    await expect(tx).to.emit(f.escrow, "SignedTradeBatchSettled")
      .withArgs(f.agent.address, f.terms.length, totals.map((x) => [x.token, x.gross, x.net]));

    const nets = netPositions(f.terms);
    expect(nets.get(f.terms[4].asset)!.get(f.carol.address)).to.equal(0n);
    for (const token of tokens) {
      const address = await token.getAddress();
      for (const p of f.parties) {
        expect(await token.balanceOf(p.address) - before.get(`${address}:${p.address}`)!, `${address} ${p.address}`)
          .to.equal(nets.get(address)?.get(p.address) ?? 0n);
      }
    }
    expect(await Promise.all(tokens.map((t) => t.balanceOf(f.escrowAddress)))).to.deep.equal(escrowBefore);
    for (const t of f.terms) {
      expect(await f.escrow.isSignedTradeSettled(t)).to.equal(true);
      expect(await f.escrow.isTradeRefSettled(t.seller, t.buyer, t.ref)).to.equal(true);
    }
    // netting moved less than settling one by one in every token
    for (const x of totals) expect(x.net).to.be.lessThan(x.gross);
  });

  it("needs allowances for the nets only: a party allowing less than its gross but its net settles", async function () {
    const f = await loadFixture(batchFixture);
    const { alice, bob, escrowAddress } = f;
    const [asset] = f.securities;
    // alice delivers 100 and takes back 90 of the security (net -10); bob pays 10,000.00 and gets 9,000.00 back (net -1,000.00)
    const signed = await Promise.all([
      f.sign(f.trade(alice, bob, 0, units(100), usd("10000.00"))),
      f.sign(f.trade(bob, alice, 0, units(90), usd("9000.00"))),
    ]);
    await asset.connect(alice).approve(escrowAddress, units(9));
    await f.cash.connect(alice).approve(escrowAddress, 0n);
    await asset.connect(bob).approve(escrowAddress, 0n);
    await f.cash.connect(bob).approve(escrowAddress, usd("1000.00"));
    await expect(f.escrow.connect(f.agent).settleSignedBatch(signed))
      .to.be.revertedWithCustomError(asset, "ERC20InsufficientAllowance").withArgs(escrowAddress, units(9), units(10));
    await asset.connect(alice).approve(escrowAddress, units(10));
    const tx = f.escrow.connect(f.agent).settleSignedBatch(signed);
    await expect(tx).to.changeTokenBalances(asset, [alice, bob, escrowAddress], [-units(10), units(10), 0n]);
    await expect(tx).to.changeTokenBalances(f.cash, [alice, bob, escrowAddress], [usd("1000.00"), -usd("1000.00"), 0n]);
    expect(await asset.allowance(alice.address, escrowAddress)).to.equal(0n);
    expect(await f.cash.allowance(bob.address, escrowAddress)).to.equal(0n);
  });

  it("lets anyone submit, a wallet that is no participant included, and records the submitter", async function () {
    const f = await loadFixture(batch);
    expect(await f.registry.isAllowed(f.outsider.address)).to.equal(false);
    const tx = f.escrow.connect(f.outsider).settleSignedBatch(f.signed);
    await expect(tx).to.emit(f.escrow, "SignedTradeBatchSettled").withArgs(f.outsider.address, f.terms.length, () => true);
    await expect(tx).to.emit(f.escrow, "SignedTradeSettled")
      .withArgs(tradeHash(f.escrowAddress, f.chainId, f.terms[0]), f.terms[0].ref, f.outsider.address, Object.values(f.terms[0]));
  });

  it("refuses an empty batch", async function () {
    const f = await loadFixture(batch);
    await expect(f.escrow.connect(f.agent).settleSignedBatch([])).to.be.revertedWithCustomError(f.escrow, "EmptyBatch");
  });

  it("settles each trade once by either path: settleSigned refuses a batch-settled trade, and a batch a singly settled one", async function () {
    const f = await loadFixture(batch);
    const [first, second] = f.signed;
    await f.escrow.connect(f.agent).settleSigned(second.terms, second.sellerSig, second.buyerSig);
    const secondHash = tradeHash(f.escrowAddress, f.chainId, second.terms);
    const before = await holdings(f);
    await expect(f.escrow.connect(f.agent).settleSignedBatch([first, second]))
      .to.be.revertedWithCustomError(f.escrow, "TradeRefused").withArgs(1, reason(f, "SignedTradeAlreadySettled", [secondHash]));
    expect(await holdings(f)).to.deep.equal(before);
    expect(await f.escrow.isSignedTradeSettled(first.terms)).to.equal(false);

    await f.escrow.connect(f.agent).settleSignedBatch([first]);
    const firstHash = tradeHash(f.escrowAddress, f.chainId, first.terms);
    await expect(f.escrow.connect(f.agent).settleSigned(first.terms, first.sellerSig, first.buyerSig))
      .to.be.revertedWithCustomError(f.escrow, "SignedTradeAlreadySettled").withArgs(firstHash);
    // the same reference between the same parties cannot settle again with other terms either
    const again = await f.sign({ ...first.terms, cashAmount: first.terms.cashAmount + 1n });
    await expect(f.escrow.connect(f.agent).settleSigned(again.terms, again.sellerSig, again.buyerSig))
      .to.be.revertedWithCustomError(f.escrow, "TradeRefAlreadySettled").withArgs(first.terms.seller, first.terms.buyer, first.terms.ref);
    await expect(f.escrow.connect(f.alice).withdrawSignature(first.terms))
      .to.be.revertedWithCustomError(f.escrow, "SignedTradeAlreadySettled").withArgs(firstHash);
  });

  describe("all or nothing: one refused trade refuses the batch and nothing moves", function () {
    it("a bad signature, naming the trade's index and the party", async function () {
      const f = await loadFixture(batch);
      const bad = { ...f.signed[3], sellerSig: await signTrade(f.carol, f.escrowAddress, f.chainId, f.terms[3]) };
      const before = await holdings(f);
      await expect(f.escrow.connect(f.agent).settleSignedBatch([...f.signed.slice(0, 3), bad, ...f.signed.slice(4)]))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefused").withArgs(3, reason(f, "InvalidSignature", [f.terms[3].seller]));
      const swapped = { ...f.signed[5], buyerSig: f.signed[5].sellerSig };
      await expect(f.escrow.connect(f.agent).settleSignedBatch([...f.signed.slice(0, 5), swapped]))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefused").withArgs(5, reason(f, "InvalidSignature", [f.terms[5].buyer]));
      expect(await holdings(f)).to.deep.equal(before);
      // the trades before the refused one were not marked either
      expect(await f.escrow.isSignedTradeSettled(f.terms[0])).to.equal(false);
    });

    it("terms a party withdrew", async function () {
      const f = await loadFixture(batch);
      await f.escrow.connect(f.dave).withdrawSignature(f.terms[6]);
      const before = await holdings(f);
      await expect(f.escrow.connect(f.agent).settleSignedBatch(f.signed))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefused")
        .withArgs(6, reason(f, "TermsWithdrawn", [tradeHash(f.escrowAddress, f.chainId, f.terms[6])]));
      expect(await holdings(f)).to.deep.equal(before);
    });

    it("the same trade twice in one batch, refused as already settled", async function () {
      const f = await loadFixture(batch);
      const before = await holdings(f);
      await expect(f.escrow.connect(f.agent).settleSignedBatch([f.signed[0], f.signed[1], f.signed[0]]))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefused")
        .withArgs(2, reason(f, "SignedTradeAlreadySettled", [tradeHash(f.escrowAddress, f.chainId, f.terms[0])]));
      // a second trade under the same reference between the same parties is refused the same way
      const sameRef = await f.sign({ ...f.terms[0], assetAmount: 1n });
      await expect(f.escrow.connect(f.agent).settleSignedBatch([f.signed[0], sameRef]))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefused")
        .withArgs(1, reason(f, "TradeRefAlreadySettled", [f.terms[0].seller, f.terms[0].buyer, f.terms[0].ref]));
      expect(await holdings(f)).to.deep.equal(before);
    });

    it("a trade past its deadline", async function () {
      const f = await loadFixture(batch);
      const now = BigInt(await time.latest());
      const late = await f.sign({ ...f.trade(f.alice, f.bob, 1, units(5), usd("500.00")), deadline: now + 100n });
      await time.setNextBlockTimestamp(now + 101n);
      const before = await holdings(f);
      await expect(f.escrow.connect(f.agent).settleSignedBatch([...f.signed, late]))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefused").withArgs(8, reason(f, "DeadlinePassed", [now + 100n, now + 101n]));
      expect(await holdings(f)).to.deep.equal(before);
    });

    it("a token that is not listed", async function () {
      const f = await loadFixture(batch);
      await f.escrow.connect(f.admin).listToken(f.terms[6].asset, false);
      const before = await holdings(f);
      await expect(f.escrow.connect(f.agent).settleSignedBatch(f.signed))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefused").withArgs(6, reason(f, "TokenNotListed", [f.terms[6].asset]));
      expect(await holdings(f)).to.deep.equal(before);
    });

    it("a party the registry does not allow", async function () {
      const f = await loadFixture(batch);
      await f.registry.connect(f.compliance).setStatus(ids.delta, 2);
      const before = await holdings(f);
      await expect(f.escrow.connect(f.agent).settleSignedBatch(f.signed))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefused").withArgs(3, reason(f, "PartyNotAllowed", [f.dave.address]));
      expect(await holdings(f)).to.deep.equal(before);
    });

    it("a party frozen in a token it trades, even when its net there is zero", async function () {
      const f = await loadFixture(batch);
      const second = f.securities[1];
      expect(netPositions(f.terms).get(await second.getAddress())!.get(f.carol.address)).to.equal(0n);
      await second.connect(f.compliance).freeze(f.carol.address);
      const before = await holdings(f);
      await expect(f.escrow.connect(f.agent).settleSignedBatch(f.signed))
        .to.be.revertedWithCustomError(f.escrow, "WalletFrozen").withArgs(f.carol.address);
      expect(await holdings(f)).to.deep.equal(before);
      // unfrozen, the same batch settles and carol's balance of that security does not move
      await second.connect(f.compliance).unfreeze(f.carol.address);
      await expect(f.escrow.connect(f.agent).settleSignedBatch(f.signed)).to.changeTokenBalance(second, f.carol, 0n);
    });

    it("a paused token, whether or not anything in it moves", async function () {
      const f = await loadFixture(batch);
      const [first] = f.securities;
      await first.connect(f.pauser).pause();
      const before = await holdings(f);
      await expect(f.escrow.connect(f.agent).settleSignedBatch(f.signed)).to.be.revertedWithCustomError(first, "TokenPaused");
      // a round trip nets to zero in the security: nothing in it moves, and the pause still refuses it
      const roundTrip = await Promise.all([
        f.sign(f.trade(f.alice, f.bob, 0, units(10), usd("1000.00"))),
        f.sign(f.trade(f.bob, f.alice, 0, units(10), usd("1001.00"))),
      ]);
      await expect(f.escrow.connect(f.agent).settleSignedBatch(roundTrip)).to.be.revertedWithCustomError(f.escrow, "TokenPaused");
      expect(await holdings(f)).to.deep.equal(before);
      await first.connect(f.pauser).unpause();
      await expect(f.escrow.connect(f.agent).settleSignedBatch(roundTrip)).to.changeTokenBalances(first, [f.alice, f.bob], [0n, 0n]);
    });

    it("a listed token that delivers less than asked", async function () {
      const f = await loadFixture(batch);
      const short = await ethers.deployContract("ShortDeliveryToken");
      const { signed, before, token } = await withListed(f, short);
      await expect(f.escrow.connect(f.agent).settleSignedBatch(signed))
        .to.be.revertedWithCustomError(f.escrow, "ShortDelivery").withArgs(token, 50n, 49n);
      expect(await holdings(f)).to.deep.equal(before);
      expect(await short.balanceOf(f.bob.address)).to.equal(1000n);
    });

    it("a listed token that re-enters the escrow during a net movement", async function () {
      const f = await loadFixture(batch);
      const reentrant = await ethers.deployContract("ReentrantToken");
      const { signed, before } = await withListed(f, reentrant);
      for (const payload of [
        f.escrow.interface.encodeFunctionData("settleSignedBatch", [signed]),
        f.escrow.interface.encodeFunctionData("settleSigned", [signed[0].terms, signed[0].sellerSig, signed[0].buyerSig]),
      ]) {
        await reentrant.arm(f.escrowAddress, payload);
        await expect(f.escrow.connect(f.agent).settleSignedBatch(signed))
          .to.be.revertedWithCustomError(f.escrow, "ReentrancyGuardReentrantCall");
      }
      expect(await holdings(f)).to.deep.equal(before);
      expect(await f.escrow.isSignedTradeSettled(signed[0].terms)).to.equal(false);
    });
  });

  it("refuses a batch when a token's answer on a freeze fails for want of gas, rather than reading it as no freeze", async function () {
    const f = await loadFixture(batch);
    const burner = await ethers.deployContract("GasBurningToken");
    const { signed, token, before } = await withListed(f, burner);
    await expect(f.escrow.connect(f.agent).settleSignedBatch(signed, { gasLimit: 3_000_000 }))
      .to.be.revertedWithCustomError(f.escrow, "TokenQueryOutOfGas").withArgs(token);
    expect(await holdings(f)).to.deep.equal(before);
  });

  it("refuses a batch when a token answers a freeze question with a 32-byte word that is not a boolean, as decoding it would", async function () {
    const f = await loadFixture(batch);
    const raw = await ethers.deployContract("RawAnswerToken");
    const { signed, before } = await withListed(f, raw);
    await raw.setAnswer(ethers.toBeHex(2, 32));
    await expect(f.escrow.connect(f.agent).settleSignedBatch(signed)).to.be.revertedWithoutReason();
    expect(await holdings(f)).to.deep.equal(before);
  });

  it("reads only a 32-byte boolean as a token's answer on a freeze: true refuses the party, any other length is no freeze", async function () {
    const yes = ethers.toBeHex(1, 32);
    for (const [answer, frozen] of [
      [yes, true],
      [ethers.ZeroHash, false],
      [ethers.concat([yes, yes]), false],
      ["0x01", false],
      ["0x", false],
    ] as const) {
      const f = await loadFixture(batch);
      const raw = await ethers.deployContract("RawAnswerToken");
      const { signed, before } = await withListed(f, raw);
      await raw.setAnswer(answer);
      const tx = f.escrow.connect(f.agent).settleSignedBatch(signed);
      if (frozen) {
        // bob, whose net in the token is zero, is the party asked about
        await expect(tx).to.be.revertedWithCustomError(f.escrow, "WalletFrozen").withArgs(f.bob.address);
        expect(await holdings(f)).to.deep.equal(before);
      } else {
        await expect(tx, answer).to.changeTokenBalances(raw, [f.alice, f.bob, f.carol], [50n, 0n, -50n]);
      }
    }
  });

  it("settles a listed plain ERC-20 (no freeze, no pause) in which a party nets to zero", async function () {
    const f = await loadFixture(batch);
    const plain = await ethers.deployContract("PlainERC20");
    const { signed, token } = await withListed(f, plain);
    const tx = f.escrow.connect(f.agent).settleSignedBatch(signed);
    // bob delivers 50 to alice and receives 50 from carol: his net is zero, and carol's 30 + 20 reach alice
    await expect(tx).to.changeTokenBalances(plain, [f.alice, f.bob, f.carol, f.escrowAddress], [50n, 0n, -50n, 0n]);
    await expect(tx).to.emit(f.escrow, "SignedTradeBatchSettled")
      .withArgs(f.agent.address, 3, [[token, 100n, 50n], [await f.cash.getAddress(), usd("100.00"), usd("50.00")]]);
  });
});

/**
 * Lists `token` (a test-only ERC-20) and signs three trades in it: bob sells 50 to alice, carol sells 30
 * and 20 to bob, each for 50.00, 30.00 and 20.00 USD. Bob's net in the token is zero.
 */
async function withListed(f: Fixture, token: PlainERC20 | ShortDeliveryToken | ReentrantToken | GasBurningToken | RawAnswerToken) {
  const address = await token.getAddress();
  await f.escrow.connect(f.admin).listToken(address, true);
  for (const p of [f.bob, f.carol]) {
    await token.mint(p.address, 1000n);
    await (token as PlainERC20).connect(p).approve(f.escrowAddress, ethers.MaxUint256);
  }
  const terms: TradeTerms[] = [
    { ...f.trade(f.bob, f.alice, 0, 50n, usd("50.00")), asset: address },
    { ...f.trade(f.carol, f.bob, 0, 30n, usd("30.00")), asset: address },
    { ...f.trade(f.carol, f.bob, 0, 20n, usd("20.00")), asset: address },
  ];
  const signed: SignedTrade[] = await Promise.all(terms.map((t) => f.sign(t)));
  return { signed, token: address, before: await holdings(f) };
}
