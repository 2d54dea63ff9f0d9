import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { dvpFixture, ids, YEAR } from "../fixtures";
import { signTrade, TRADE_TYPES, tradeHash, tradeSigner, TradeTerms } from "../../lib/dvp";
import { deploySuite } from "../../lib/suite";

async function signed() {
  const f = await dvpFixture();
  const { chainId } = await ethers.provider.getNetwork();
  const sellerSig = await signTrade(f.alice, f.escrowAddress, chainId, f.terms);
  const buyerSig = await signTrade(f.bob, f.escrowAddress, chainId, f.terms);
  return { ...f, chainId, sellerSig, buyerSig };
}

describe("DvPEscrow: signed settlement in one transaction", function () {
  it("settles terms both parties signed, submitted by a settlement agent", async function () {
    const { escrow, asset, cash, alice, bob, agent, terms, sellerSig, buyerSig, chainId, escrowAddress } = await loadFixture(signed);
    const digest = tradeHash(escrowAddress, chainId, terms);
    expect(await escrow.hashTrade(terms)).to.equal(digest);
    const tx = escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig);
    await expect(tx).to.emit(escrow, "SignedTradeSettled").withArgs(digest, terms.ref, agent.address, Object.values(terms));
    await expect(tx).to.changeTokenBalances(asset, [alice, bob, escrowAddress], [-terms.assetAmount, terms.assetAmount, 0n]);
    await expect(tx).to.changeTokenBalances(cash, [bob, alice, escrowAddress], [-terms.cashAmount, terms.cashAmount, 0n]);
    expect(await escrow.isSignedTradeSettled(terms)).to.equal(true);
  });

  it("settles signed terms at most once", async function () {
    const { escrow, agent, terms, sellerSig, buyerSig, chainId, escrowAddress } = await loadFixture(signed);
    await escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig);
    await expect(escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig))
      .to.be.revertedWithCustomError(escrow, "SignedTradeAlreadySettled").withArgs(tradeHash(escrowAddress, chainId, terms));
  });

  it("refuses a signature by anyone but the named party, or for other terms", async function () {
    const { escrow, agent, alice, bob, carol, terms, sellerSig, buyerSig, chainId, escrowAddress } = await loadFixture(signed);
    const byCarol = await signTrade(carol, escrowAddress, chainId, terms);
    await expect(escrow.connect(agent).settleSigned(terms, byCarol, buyerSig))
      .to.be.revertedWithCustomError(escrow, "InvalidSignature").withArgs(alice.address);
    await expect(escrow.connect(agent).settleSigned(terms, sellerSig, sellerSig))
      .to.be.revertedWithCustomError(escrow, "InvalidSignature").withArgs(bob.address);
    const richer = { ...terms, cashAmount: terms.cashAmount - 1n };
    await expect(escrow.connect(agent).settleSigned(richer, sellerSig, buyerSig))
      .to.be.revertedWithCustomError(escrow, "InvalidSignature").withArgs(alice.address);
    await expect(escrow.connect(agent).settleSigned(terms, "0x1234", buyerSig))
      .to.be.revertedWithCustomError(escrow, "InvalidSignature").withArgs(alice.address);
  });

  it("refuses signed terms after their deadline", async function () {
    const { escrow, agent, terms, sellerSig, buyerSig } = await loadFixture(signed);
    await time.increaseTo(terms.deadline);
    await expect(escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig))
      .to.be.revertedWithCustomError(escrow, "DeadlinePassed").withArgs(terms.deadline, terms.deadline + 1n);
  });

  it("refuses signatures made for another escrow or another chain", async function () {
    const { escrow, agent, alice, bob, terms, admin, compliance, roles } = await loadFixture(signed);
    const other = await deploySuite(hre, { admin, roles, currencies: [], compliance, adminDelay: 0 });
    const otherEscrow = await other.escrow!.getAddress();
    const { chainId } = await ethers.provider.getNetwork();
    const wrongEscrow = [await signTrade(alice, otherEscrow, chainId, terms), await signTrade(bob, otherEscrow, chainId, terms)];
    await expect(escrow.connect(agent).settleSigned(terms, wrongEscrow[0], wrongEscrow[1]))
      .to.be.revertedWithCustomError(escrow, "InvalidSignature").withArgs(alice.address);
    const escrowAddress = await escrow.getAddress();
    const wrongChain = [await signTrade(alice, escrowAddress, 1n, terms), await signTrade(bob, escrowAddress, 1n, terms)];
    await expect(escrow.connect(agent).settleSigned(terms, wrongChain[0], wrongChain[1]))
      .to.be.revertedWithCustomError(escrow, "InvalidSignature").withArgs(alice.address);
  });

  it("moves nothing when a leg cannot move: no allowance, a frozen party, a suspended party", async function () {
    const { escrow, asset, cash, agent, alice, bob, compliance, registry, terms, sellerSig, buyerSig } = await loadFixture(signed);
    const balances = () => Promise.all([asset.balanceOf(alice.address), asset.balanceOf(bob.address), cash.balanceOf(alice.address), cash.balanceOf(bob.address)]);
    const before = await balances();
    await cash.connect(bob).approve(await escrow.getAddress(), 0);
    await expect(escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig))
      .to.be.revertedWithCustomError(cash, "ERC20InsufficientAllowance");
    await cash.connect(bob).approve(await escrow.getAddress(), ethers.MaxUint256);
    await cash.connect(compliance).freeze(alice.address);
    await expect(escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig))
      .to.be.revertedWithCustomError(cash, "WalletFrozen").withArgs(alice.address);
    await cash.connect(compliance).unfreeze(alice.address);
    await registry.connect(compliance).setStatus(ids.beta, 2);
    await expect(escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig))
      .to.be.revertedWithCustomError(escrow, "PartyNotAllowed").withArgs(bob.address);
    expect(await balances()).to.deep.equal(before);
  });

  it("accepts a custodian's contract wallet that signs by ERC-1271", async function () {
    const f = await loadFixture(signed);
    const [, , , , , , , , , , , , custodianKey] = await ethers.getSigners();
    const wallet = await ethers.deployContract("ERC1271WalletMock", [custodianKey.address]);
    const walletAddress = await wallet.getAddress();
    await f.registry.connect(f.compliance).onboard(ids.gamma, [walletAddress], (await time.latest()) + YEAR);
    await f.desk.connect(f.issuer).mint(walletAddress, f.terms.cashAmount, ethers.id("deposit-custodian"));
    await wallet.connect(custodianKey).approve(await f.cash.getAddress(), f.escrowAddress, f.terms.cashAmount);
    const terms: TradeTerms = { ...f.terms, buyer: walletAddress };
    const sellerSig = await signTrade(f.alice, f.escrowAddress, f.chainId, terms);
    const buyerSig = await signTrade(custodianKey, f.escrowAddress, f.chainId, terms);
    await expect(f.escrow.connect(f.agent).settleSigned(terms, sellerSig, buyerSig))
      .to.changeTokenBalance(f.asset, walletAddress, terms.assetAmount);
    const forged = await signTrade(f.carol, f.escrowAddress, f.chainId, { ...terms, ref: ethers.id("other") });
    await expect(f.escrow.connect(f.agent).settleSigned({ ...terms, ref: ethers.id("other") }, sellerSig, forged))
      .to.be.revertedWithCustomError(f.escrow, "InvalidSignature");
  });

  it("refuses a contract party that does not answer ERC-1271, whatever was signed", async function () {
    const f = await loadFixture(signed);
    const silent = await ethers.deployContract("PlainERC20");
    const silentAddress = await silent.getAddress();
    await f.registry.connect(f.compliance).onboard(ids.gamma, [silentAddress], (await time.latest()) + YEAR);
    const terms: TradeTerms = { ...f.terms, buyer: silentAddress };
    const sellerSig = await signTrade(f.alice, f.escrowAddress, f.chainId, terms);
    const buyerSig = await signTrade(f.bob, f.escrowAddress, f.chainId, terms);
    await expect(f.escrow.connect(f.agent).settleSigned(terms, sellerSig, buyerSig))
      .to.be.revertedWithCustomError(f.escrow, "InvalidSignature").withArgs(silentAddress);
  });

  it("lets either party withdraw its signature before settlement: the terms can no longer settle", async function () {
    for (const party of ["seller", "buyer"] as const) {
      const { escrow, agent, alice, bob, terms, sellerSig, buyerSig, chainId, escrowAddress } = await loadFixture(signed);
      const who = party === "seller" ? alice : bob;
      const digest = tradeHash(escrowAddress, chainId, terms);
      await expect(escrow.connect(who).withdrawSignature(terms))
        .to.emit(escrow, "SignatureWithdrawn").withArgs(digest, terms.ref, who.address);
      expect(await escrow.isTermsWithdrawn(digest)).to.equal(true);
      await expect(escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig))
        .to.be.revertedWithCustomError(escrow, "TermsWithdrawn").withArgs(digest);
      await expect(escrow.connect(alice).withdrawSignature(terms))
        .to.be.revertedWithCustomError(escrow, "TermsWithdrawn").withArgs(digest);
    }
  });

  it("refuses a withdrawal by anyone but a party, or after settlement", async function () {
    const { escrow, agent, alice, carol, terms, sellerSig, buyerSig, chainId, escrowAddress } = await loadFixture(signed);
    const digest = tradeHash(escrowAddress, chainId, terms);
    await expect(escrow.connect(carol).withdrawSignature(terms))
      .to.be.revertedWithCustomError(escrow, "NotTradeParty").withArgs(digest, carol.address);
    await escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig);
    await expect(escrow.connect(alice).withdrawSignature(terms))
      .to.be.revertedWithCustomError(escrow, "SignedTradeAlreadySettled").withArgs(digest);
    expect(await escrow.isTermsWithdrawn(digest)).to.equal(false);
  });

  it("answers for these terms, not for other terms of a reference they settled, and refuses those others", async function () {
    const { escrow, agent, alice, bob, terms, sellerSig, buyerSig, chainId, escrowAddress } = await loadFixture(signed);
    const other: TradeTerms = { ...terms, cashAmount: terms.cashAmount + 1n };
    const otherSigs = [await signTrade(alice, escrowAddress, chainId, other), await signTrade(bob, escrowAddress, chainId, other)] as const;
    await escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig);
    expect(await escrow.isSignedTradeSettled(terms)).to.equal(true);
    expect(await escrow.isSignedTradeSettled(other)).to.equal(false);
    expect(await escrow.isTradeRefSettled(terms.seller, terms.buyer, terms.ref)).to.equal(true);
    await expect(escrow.connect(agent).settleSigned(other, ...otherSigs))
      .to.be.revertedWithCustomError(escrow, "TradeRefAlreadySettled").withArgs(terms.seller, terms.buyer, terms.ref);
  });

  it("names the withdrawal before the reference when withdrawn terms meet a reference settled by other terms", async function () {
    const { escrow, agent, alice, bob, terms, sellerSig, buyerSig, chainId, escrowAddress } = await loadFixture(signed);
    const other: TradeTerms = { ...terms, cashAmount: terms.cashAmount + 1n };
    const otherSigs = [await signTrade(alice, escrowAddress, chainId, other), await signTrade(bob, escrowAddress, chainId, other)] as const;
    await escrow.connect(bob).withdrawSignature(other);
    await escrow.connect(agent).settleSigned(terms, sellerSig, buyerSig);
    await expect(escrow.connect(agent).settleSigned(other, ...otherSigs))
      .to.be.revertedWithCustomError(escrow, "TermsWithdrawn").withArgs(tradeHash(escrowAddress, chainId, other));
  });

  it("reports the EIP-712 domain its digests are made in: the constants DvPEscrow and 1, this chain, this escrow", async function () {
    const { escrow, chainId, escrowAddress, terms } = await loadFixture(signed);
    const [fields, name, version, domainChain, verifying, salt, extensions] = await escrow.eip712Domain();
    expect([fields, name, version, domainChain, verifying, salt, [...extensions]]).to.deep.equal(["0x0f", "DvPEscrow", "1", chainId, escrowAddress, ethers.ZeroHash, []]);
    expect(await escrow.hashTrade(terms)).to.equal(ethers.TypedDataEncoder.hash({ name, version, chainId: domainChain, verifyingContract: verifying }, TRADE_TYPES, terms));
  });

  it("lets a client check who signed a file before submitting it", async function () {
    const { alice, terms, sellerSig, chainId, escrowAddress } = await loadFixture(signed);
    expect(tradeSigner(escrowAddress, chainId, terms, sellerSig)).to.equal(alice.address);
  });
});
