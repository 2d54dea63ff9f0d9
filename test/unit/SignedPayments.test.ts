import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer, TypedDataDomain } from "ethers";
import { CURRENCIES, deployDepositToken } from "../../lib/suite";
import { PaymentTerms, SignedPayment, grossAndNet, paymentCycle, sequenceNonce, signPayment, tokenDomain } from "../../lib/payments";
import { usd } from "../fixtures";
import { balancesOf, expectedChanges, paymentTerms, paymentsFixture, signAll } from "../helpers/payments";

const EIP3009_TYPES = {
  TransferWithAuthorization: [
    { name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" },
  ],
};
const RECEIVE_TYPES = { ReceiveWithAuthorization: EIP3009_TYPES.TransferWithAuthorization };
const CANCEL_TYPES = { CancelAuthorization: [{ name: "authorizer", type: "address" }, { name: "nonce", type: "bytes32" }] };
const SECP256K1_N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

interface Eip3009 { from: string; to: string; value: bigint; validAfter: bigint; validBefore: bigint; nonce: string }

async function signEip3009(signer: Signer, domain: TypedDataDomain, types: Record<string, { name: string; type: string }[]>, m: object) {
  return ethers.Signature.from(await signer.signTypedData(domain, types, m));
}

async function standardTerms(from: string, to: string, value: bigint): Promise<Eip3009> {
  const { ref: _ref, ...terms } = await paymentTerms(from, to, value, ethers.ZeroHash);
  return terms;
}

const args = (m: Eip3009, sig: { v: number; r: string; s: string }) =>
  [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, sig.v, sig.r, sig.s] as const;

/** The signed terms of a payment, without its signature. */
function termsOf(p: SignedPayment): PaymentTerms {
  const { v: _v, r: _r, s: _s, ...terms } = p;
  return terms;
}

/** The reason a batch instruction was refused, as the contract encodes it. */
function reason(token: { interface: { encodeErrorResult: (name: string, values: unknown[]) => string } }, name: string, values: unknown[] = []) {
  return token.interface.encodeErrorResult(name, values);
}

describe("SignedPayments (EIP-3009 and netted batches on the deposit token)", function () {
  describe("transferWithAuthorization", function () {
    it("moves the signed amount once, with the standard type hash, and records the nonce", async function () {
      const { token, alice, bob, domain } = await loadFixture(paymentsFixture);
      const m = await standardTerms(alice.address, bob.address, usd("125.00"));
      const sig = await signEip3009(alice, domain, EIP3009_TYPES, m);
      expect(await token.TRANSFER_WITH_AUTHORIZATION_TYPEHASH()).to.equal(ethers.id(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"));
      const tx = await token.connect(bob).transferWithAuthorization(...args(m, sig));
      await expect(tx).to.emit(token, "AuthorizationUsed").withArgs(alice.address, m.nonce);
      await expect(tx).to.changeTokenBalances(token, [alice, bob], [-usd("125.00"), usd("125.00")]);
      expect(await token.authorizationState(alice.address, m.nonce)).to.equal(true);
      await expect(token.connect(bob).transferWithAuthorization(...args(m, sig)))
        .to.be.revertedWithCustomError(token, "AuthorizationAlreadyUsed").withArgs(alice.address, m.nonce);
    });

    it("refuses an authorization before its window and after it, by the second", async function () {
      const { token, alice, bob, domain } = await loadFixture(paymentsFixture);
      const now = BigInt(await time.latest());
      const early = { ...(await standardTerms(alice.address, bob.address, 100n)), validAfter: now + 100n, validBefore: now + 1000n };
      const earlySig = await signEip3009(alice, domain, EIP3009_TYPES, early);
      await time.setNextBlockTimestamp(now + 100n);
      await expect(token.connect(bob).transferWithAuthorization(...args(early, earlySig)))
        .to.be.revertedWithCustomError(token, "AuthorizationNotYetValid").withArgs(now + 100n, now + 100n);
      const late = { ...early, validAfter: 0n, validBefore: now + 200n, nonce: ethers.id("late") };
      const lateSig = await signEip3009(alice, domain, EIP3009_TYPES, late);
      await time.setNextBlockTimestamp(now + 200n);
      await expect(token.connect(bob).transferWithAuthorization(...args(late, lateSig)))
        .to.be.revertedWithCustomError(token, "AuthorizationExpired").withArgs(now + 200n, now + 200n);
      expect(await token.authorizationState(alice.address, early.nonce)).to.equal(false);
      expect(await token.authorizationState(alice.address, late.nonce)).to.equal(false);
    });

    it("refuses a signature by another key, for another chain, for another token, and a high-s copy", async function () {
      const { token, registry, admin, alice, bob, domain } = await loadFixture(paymentsFixture);
      const m = await standardTerms(alice.address, bob.address, 100n);
      const other = await deployDepositToken(hre, admin, await registry.getAddress(), CURRENCIES.USD, 0);
      const cases: [string, Signer, TypedDataDomain][] = [
        ["another key", bob, domain],
        ["another chain", alice, { ...domain, chainId: 1n }],
        ["another token", alice, { ...domain, verifyingContract: await other.getAddress() }],
      ];
      for (const [what, signer, d] of cases) {
        const sig = await signEip3009(signer, d, EIP3009_TYPES, m);
        await expect(token.connect(bob).transferWithAuthorization(...args(m, sig)), what)
          .to.be.revertedWithCustomError(token, "InvalidAuthorizationSignature").withArgs(alice.address);
      }
      const good = await signEip3009(alice, domain, EIP3009_TYPES, m);
      const highS = { v: good.v === 27 ? 28 : 27, r: good.r, s: ethers.toBeHex(SECP256K1_N - BigInt(good.s), 32) };
      await expect(token.connect(bob).transferWithAuthorization(...args(m, highS)))
        .to.be.revertedWithCustomError(token, "InvalidAuthorizationSignature").withArgs(alice.address);
      expect(await token.authorizationState(alice.address, m.nonce)).to.equal(false);
      // the canonical encoding of the same signature is accepted
      await expect(token.connect(bob).transferWithAuthorization(...args(m, good))).to.changeTokenBalance(token, bob, 100n);
    });

    it("checks the payer, the payee and the submitter like any movement and spender", async function () {
      const { token, registry, compliance, alice, bob, carol, domain } = await loadFixture(paymentsFixture);
      const toCarol = await standardTerms(alice.address, carol.address, 100n);
      await expect(token.connect(bob).transferWithAuthorization(...args(toCarol, await signEip3009(alice, domain, EIP3009_TYPES, toCarol))))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
      const m = await standardTerms(alice.address, bob.address, 100n);
      const sig = await signEip3009(alice, domain, EIP3009_TYPES, m);
      await expect(token.connect(carol).transferWithAuthorization(...args(m, sig)))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
      await token.connect(compliance).freeze(alice.address);
      await expect(token.connect(bob).transferWithAuthorization(...args(m, sig)))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(alice.address);
      await token.connect(compliance).unfreeze(alice.address);
      await registry.connect(compliance).setStatus(await registry.participantOf(bob.address), 2);
      await expect(token.connect(alice).transferWithAuthorization(...args(m, sig)))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(bob.address);
      expect(await token.authorizationState(alice.address, m.nonce)).to.equal(false);
    });

    it("refuses while the token is paused", async function () {
      const { token, pauser, alice, bob, domain } = await loadFixture(paymentsFixture);
      const m = await standardTerms(alice.address, bob.address, 100n);
      const sig = await signEip3009(alice, domain, EIP3009_TYPES, m);
      await token.connect(pauser).pause();
      await expect(token.connect(bob).transferWithAuthorization(...args(m, sig))).to.be.revertedWithCustomError(token, "TokenPaused");
    });
  });

  describe("a wallet never pays itself by signature", function () {
    it("refuses a self-payment on every single path, whatever the payer holds, and leaves its nonce unused", async function () {
      const { token, alice, bob, domain } = await loadFixture(paymentsFixture);
      for (const value of [1n, ethers.MaxUint256]) {
        const m = await standardTerms(alice.address, alice.address, value);
        await expect(token.connect(bob).transferWithAuthorization(...args(m, await signEip3009(alice, domain, EIP3009_TYPES, m))))
          .to.be.revertedWithCustomError(token, "SelfPayment").withArgs(alice.address);
        await expect(token.connect(alice).receiveWithAuthorization(...args(m, await signEip3009(alice, domain, RECEIVE_TYPES, m))))
          .to.be.revertedWithCustomError(token, "SelfPayment").withArgs(alice.address);
        const p = await signPayment(alice, domain, await paymentTerms(alice.address, alice.address, value, ethers.id("SELF")));
        await expect(token.connect(bob).transferWithReferenceAuthorization(p))
          .to.be.revertedWithCustomError(token, "SelfPayment").withArgs(alice.address);
        expect(await token.authorizationState(alice.address, m.nonce)).to.equal(false);
        expect(await token.authorizationState(alice.address, p.nonce)).to.equal(false);
      }
    });

    it("refuses a signed payment to the token's own custody, even once the token's address is linked in the registry", async function () {
      const { token, registry, compliance, alice, bob, domain, kycExpiry } = await loadFixture(paymentsFixture);
      const self = await token.getAddress();
      await registry.connect(compliance).onboard(ethers.id("TOKEN-ITSELF"), [self], kycExpiry);
      const p = await signPayment(alice, domain, await paymentTerms(alice.address, self, 1n, ethers.id("TO-TOKEN")));
      await expect(token.connect(bob).transferWithReferenceAuthorization(p))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver").withArgs(self);
      await expect(token.connect(bob).settlePaymentBatch([p]))
        .to.be.revertedWithCustomError(token, "PaymentInstructionRefused").withArgs(0n, reason(token, "ERC20InvalidReceiver", [self]));
    });
  });

  describe("receiveWithAuthorization", function () {
    it("lets only the payee submit, and does not take a transfer-type signature", async function () {
      const { token, alice, alice2, bob, domain } = await loadFixture(paymentsFixture);
      const m = await standardTerms(alice.address, bob.address, usd("10.00"));
      const sig = await signEip3009(alice, domain, RECEIVE_TYPES, m);
      await expect(token.connect(alice2).receiveWithAuthorization(...args(m, sig)))
        .to.be.revertedWithCustomError(token, "CallerNotPayee").withArgs(alice2.address, bob.address);
      const transferSig = await signEip3009(alice, domain, EIP3009_TYPES, m);
      await expect(token.connect(bob).receiveWithAuthorization(...args(m, transferSig)))
        .to.be.revertedWithCustomError(token, "InvalidAuthorizationSignature").withArgs(alice.address);
      const tx = await token.connect(bob).receiveWithAuthorization(...args(m, sig));
      await expect(tx).to.emit(token, "AuthorizationUsed").withArgs(alice.address, m.nonce);
      await expect(tx).to.changeTokenBalances(token, [alice, bob], [-usd("10.00"), usd("10.00")]);
    });
  });

  describe("cancelAuthorization", function () {
    it("cancels an unused nonce with the authorizer's signature only, once; the payment can no longer be made", async function () {
      const { token, alice, bob, carol, domain } = await loadFixture(paymentsFixture);
      const m = await standardTerms(alice.address, bob.address, 100n);
      const sig = await signEip3009(alice, domain, EIP3009_TYPES, m);
      const forged = await signEip3009(bob, domain, CANCEL_TYPES, { authorizer: alice.address, nonce: m.nonce });
      await expect(token.connect(carol).cancelAuthorization(alice.address, m.nonce, forged.v, forged.r, forged.s))
        .to.be.revertedWithCustomError(token, "InvalidAuthorizationSignature").withArgs(alice.address);
      const cancel = await signEip3009(alice, domain, CANCEL_TYPES, { authorizer: alice.address, nonce: m.nonce });
      // anyone may submit a cancellation, even a wallet that is not onboarded
      await expect(token.connect(carol).cancelAuthorization(alice.address, m.nonce, cancel.v, cancel.r, cancel.s))
        .to.emit(token, "AuthorizationCanceled").withArgs(alice.address, m.nonce);
      expect(await token.authorizationState(alice.address, m.nonce)).to.equal(true);
      await expect(token.connect(carol).cancelAuthorization(alice.address, m.nonce, cancel.v, cancel.r, cancel.s))
        .to.be.revertedWithCustomError(token, "AuthorizationAlreadyUsed").withArgs(alice.address, m.nonce);
      await expect(token.connect(bob).transferWithAuthorization(...args(m, sig)))
        .to.be.revertedWithCustomError(token, "AuthorizationAlreadyUsed").withArgs(alice.address, m.nonce);
    });
  });

  describe("transferWithReferenceAuthorization", function () {
    it("moves the amount with the signed reference in the event", async function () {
      const { token, alice, bob, domain } = await loadFixture(paymentsFixture);
      const ref = ethers.id("INV-2026-0042");
      const p = await signPayment(alice, domain, await paymentTerms(alice.address, bob.address, usd("42.00"), ref));
      const tx = await token.connect(bob).transferWithReferenceAuthorization(p);
      await expect(tx).to.emit(token, "ReferencedTransfer").withArgs(alice.address, bob.address, usd("42.00"), ref)
        .and.to.emit(token, "AuthorizationUsed").withArgs(alice.address, p.nonce);
      await expect(tx).to.changeTokenBalances(token, [alice, bob], [-usd("42.00"), usd("42.00")]);
    });

    it("refuses a changed reference or amount (the signature covers them), a zero amount and a missing reference", async function () {
      const { token, alice, bob, domain } = await loadFixture(paymentsFixture);
      const p = await signPayment(alice, domain, await paymentTerms(alice.address, bob.address, 100n, ethers.id("INV-1")));
      for (const changed of [{ ...p, ref: ethers.id("INV-2") }, { ...p, value: 101n }]) {
        await expect(token.connect(bob).transferWithReferenceAuthorization(changed))
          .to.be.revertedWithCustomError(token, "InvalidAuthorizationSignature").withArgs(alice.address);
      }
      const zero = await signPayment(alice, domain, await paymentTerms(alice.address, bob.address, 0n, ethers.id("INV-3")));
      await expect(token.connect(bob).transferWithReferenceAuthorization(zero)).to.be.revertedWithCustomError(token, "ZeroAmount");
      const noRef = await signPayment(alice, domain, await paymentTerms(alice.address, bob.address, 1n, ethers.ZeroHash));
      await expect(token.connect(bob).transferWithReferenceAuthorization(noRef)).to.be.revertedWithCustomError(token, "ReferenceMissing");
    });
  });

  describe("settlePaymentBatch", function () {
    /** 100 instructions among the 10 extra participants, sequence nonces per payer. */
    async function cycle(f: Awaited<ReturnType<typeof paymentsFixture>>, count = 100) {
      const now = BigInt(await time.latest());
      const terms = paymentCycle(f.wallets.map((w) => w.address), count, {
        validAfter: now - 3600n, validBefore: now + 86_400n, amount: (i) => BigInt(1_00 + ((i * 7919) % 50_00)),
        ref: (i) => ethers.id(`PAY-${i}`), nonce: (payer, k) => sequenceNonce(BigInt(ethers.keccak256(payer)) >> 8n, k),
      });
      return { terms, signed: await signAll(f.wallets, f.domain, terms) };
    }

    it("settles 100 instructions among 10 participants by moving only the net positions, with every reference in an event", async function () {
      const f = await loadFixture(paymentsFixture);
      const { token, agent, wallets } = f;
      const { terms, signed } = await cycle(f);
      const addresses = wallets.map((w) => w.address);
      const before = await balancesOf(token, addresses);
      const supply = await token.totalSupply();
      const { gross, net } = grossAndNet(terms);
      expect(net < gross, "the cycle nets").to.equal(true);
      const tx = await token.connect(agent).settlePaymentBatch(signed);
      await expect(tx).to.emit(token, "PaymentBatchSettled").withArgs(agent.address, 100n, gross, net);
      const receipt = (await tx.wait())!;
      const events = receipt.logs.map((l) => token.interface.parseLog(l)).filter((e) => e !== null);
      const referenced = events.filter((e) => e.name === "ReferencedTransfer");
      expect(referenced.map((e) => [e.args.from, e.args.to, e.args.amount, e.args.ref]))
        .to.deep.equal(terms.map((t) => [t.from, t.to, t.value, t.ref]));
      expect(events.filter((e) => e.name === "AuthorizationUsed").length).to.equal(100);
      const transfers = events.filter((e) => e.name === "Transfer");
      expect(transfers.length).to.be.lessThan(wallets.length);
      expect(transfers.reduce((s, e) => s + (e.args.value as bigint), 0n)).to.equal(net);
      const after = await balancesOf(token, addresses);
      const expected = expectedChanges(terms, addresses);
      expect(after.map((b, i) => b - before[i])).to.deep.equal(expected);
      expect(await token.totalSupply()).to.equal(supply);
      for (const t of terms) expect(await token.authorizationState(t.from, t.nonce)).to.equal(true);
      // each instruction settles once: neither alone nor in another batch again
      await expect(token.connect(agent).transferWithReferenceAuthorization(signed[5]))
        .to.be.revertedWithCustomError(token, "AuthorizationAlreadyUsed").withArgs(terms[5].from, terms[5].nonce);
      await expect(token.connect(agent).settlePaymentBatch([signed[7]]))
        .to.be.revertedWithCustomError(token, "PaymentInstructionRefused")
        .withArgs(0n, reason(token, "AuthorizationAlreadyUsed", [terms[7].from, terms[7].nonce]));
    });

    it("needs from a net payer only its net debit, not its gross", async function () {
      const f = await loadFixture(paymentsFixture.bind(null, 3, 100n));
      const [a, b, c] = f.wallets;
      const terms = [
        await paymentTerms(a.address, b.address, 100n, ethers.id("1")), // a pays its whole balance...
        await paymentTerms(b.address, a.address, 90n, ethers.id("2")), // ...and is paid back most of it
        await paymentTerms(b.address, c.address, 50n, ethers.id("3")),
        await paymentTerms(c.address, b.address, 50n, ethers.id("4")),
      ];
      const signed = await signAll(f.wallets, f.domain, terms);
      const tx = await f.token.connect(f.agent).settlePaymentBatch(signed);
      await expect(tx).to.emit(f.token, "PaymentBatchSettled").withArgs(f.agent.address, 4n, 290n, 10n);
      await expect(tx).to.changeTokenBalances(f.token, [a, b, c], [-10n, 10n, 0n]);
    });

    describe("is all or nothing, naming the instruction and the reason", function () {
      async function refused(setup: (f: Awaited<ReturnType<typeof paymentsFixture>>, signed: SignedPayment[]) =>
        Promise<{ batch?: SignedPayment[]; index?: bigint; error: string; values?: unknown[]; wrapped?: boolean }>) {
        const f = await loadFixture(paymentsFixture);
        const terms = [];
        for (let i = 0; i < 6; i++) {
          terms.push(await paymentTerms(f.wallets[i].address, f.wallets[(i + 1) % 6].address, 10_00n, ethers.id(`R-${i}`)));
        }
        const signed = await signAll(f.wallets, f.domain, terms);
        const expectation = await setup(f, signed);
        const batch = expectation.batch ?? signed;
        const addresses = f.wallets.map((w) => w.address);
        const before = await balancesOf(f.token, addresses);
        const call = f.token.connect(f.agent).settlePaymentBatch(batch);
        if (expectation.wrapped === false) {
          await expect(call).to.be.revertedWithCustomError(f.token, expectation.error).withArgs(...(expectation.values ?? []));
        } else {
          await expect(call).to.be.revertedWithCustomError(f.token, "PaymentInstructionRefused")
            .withArgs(expectation.index, reason(f.token, expectation.error, expectation.values));
        }
        expect(await balancesOf(f.token, addresses)).to.deep.equal(before);
        for (const p of batch) {
          if (p.from === f.wallets[0].address && expectation.error === "AuthorizationAlreadyUsed") continue;
          expect(await f.token.authorizationState(p.from, p.nonce)).to.equal(false);
        }
      }

      it("a signature by another key", () => refused(async (f, signed) => {
        const forged = await signPayment(f.wallets[0], f.domain, termsOf(signed[3]));
        signed[3] = { ...signed[3], v: forged.v, r: forged.r, s: forged.s };
        return { index: 3n, error: "InvalidAuthorizationSignature", values: [signed[3].from] };
      }));
      it("a nonce already used alone", () => refused(async (f, signed) => {
        await f.token.connect(f.agent).transferWithReferenceAuthorization(signed[0]);
        return { batch: signed, index: 0n, error: "AuthorizationAlreadyUsed", values: [signed[0].from, signed[0].nonce] };
      }));
      it("the same instruction twice", () => refused(async (_f, signed) =>
        ({ batch: [...signed, signed[2]], index: 6n, error: "AuthorizationAlreadyUsed", values: [signed[2].from, signed[2].nonce] })));
      it("an expired instruction", () => refused(async (f, signed) => {
        const at = BigInt(await time.latest()) + 10n;
        const t = { ...termsOf(signed[4]), validBefore: at - 1n };
        signed[4] = await signPayment(f.wallets[4], f.domain, t);
        await time.setNextBlockTimestamp(at);
        return { index: 4n, error: "AuthorizationExpired", values: [t.validBefore, at] };
      }));
      it("a zero amount", () => refused(async (f, signed) => {
        signed[1] = await signPayment(f.wallets[1], f.domain, { ...termsOf(signed[1]), value: 0n });
        return { index: 1n, error: "ZeroAmount" };
      }));
      it("a frozen party whose net is zero", () => refused(async (f) => {
        // wallet 2 receives 10.00 from wallet 1 and pays 10.00 to wallet 3: net zero, still refused
        await f.token.connect(f.compliance).freeze(f.wallets[2].address);
        return { index: 1n, error: "WalletFrozen", values: [f.wallets[2].address] };
      }));
      it("a suspended participant", () => refused(async (f) => {
        await f.registry.connect(f.compliance).setStatus(ethers.id("participant-5"), 2);
        return { index: 4n, error: "ParticipantNotAllowed", values: [f.wallets[5].address] };
      }));
      it("a payee never onboarded", () => refused(async (f, signed) => {
        signed[2] = await signPayment(f.wallets[2], f.domain, { ...termsOf(signed[2]), to: f.carol.address });
        return { index: 2n, error: "ParticipantNotAllowed", values: [f.carol.address] };
      }));
      it("a net payer short of its net debit", () => refused(async (f, signed) => {
        const big = await signPayment(f.wallets[0], f.domain, { ...termsOf(signed[0]), value: 5_000_00n, nonce: ethers.id("big") });
        // wallet 0 pays 10.00 + 5,000.00 and receives 10.00 from wallet 5: net 5,000.00 against 1,000.00 held
        return { batch: [...signed, big], wrapped: false, error: "NetPositionShortfall", values: [f.wallets[0].address, 1_000_00n, 5_000_00n] };
      }));
      it("a paused token", () => refused(async (f) => {
        await f.token.connect(f.pauser).pause();
        return { wrapped: false, error: "TokenPaused" };
      }));
      it("a submitter that is not an allowed participant", () => refused(async (f) => {
        await f.token.connect(f.compliance).freeze(f.agent.address);
        return { wrapped: false, error: "WalletFrozen", values: [f.agent.address] };
      }));
      it("an empty batch", () => refused(async () => ({ batch: [], wrapped: false, error: "EmptyBatch" })));
      it("a self-payment far beyond the payer's balance", () => refused(async (f, signed) => {
        const self = await signPayment(f.wallets[3], f.domain, { ...termsOf(signed[3]), to: f.wallets[3].address, value: 1_000_000_00n, nonce: ethers.id("self") });
        return { batch: [...signed, self], index: 6n, error: "SelfPayment", values: [f.wallets[3].address] };
      }));
      it("a self-payment of the maximum value", () => refused(async (f, signed) => {
        signed[3] = await signPayment(f.wallets[3], f.domain, { ...termsOf(signed[3]), to: f.wallets[3].address, value: ethers.MaxUint256 });
        return { index: 3n, error: "SelfPayment", values: [f.wallets[3].address] };
      }));
      it("a value that takes the gross value past 2^256 - 1", () => refused(async (f, signed) => {
        // the gross before instruction 1 is 10.00
        const value = ethers.MaxUint256 - 10_00n + 1n;
        signed[1] = await signPayment(f.wallets[1], f.domain, { ...termsOf(signed[1]), value });
        return { index: 1n, error: "AmountOverflow", values: [10_00n, value] };
      }));
      it("the instruction after a gross value of exactly 2^256 - 1", () => refused(async (f, signed) => {
        signed[1] = await signPayment(f.wallets[1], f.domain, { ...termsOf(signed[1]), value: ethers.MaxUint256 - 10_00n });
        return { index: 2n, error: "AmountOverflow", values: [ethers.MaxUint256, 10_00n] };
      }));
    });

    it("packs a payer's numbered nonces 256 to a storage word without mixing them up", async function () {
      const { token, agent, wallets, domain } = await loadFixture(paymentsFixture);
      const base = 77n;
      const terms = [];
      for (const k of [0, 1, 255]) terms.push(await paymentTerms(wallets[0].address, wallets[1].address, 1n, ethers.id(`N-${k}`), sequenceNonce(base, k)));
      await token.connect(agent).settlePaymentBatch(await signAll(wallets, domain, terms));
      for (const k of [0, 1, 255]) expect(await token.authorizationState(wallets[0].address, sequenceNonce(base, k))).to.equal(true);
      for (const k of [2, 254]) expect(await token.authorizationState(wallets[0].address, sequenceNonce(base, k))).to.equal(false);
      expect(await token.authorizationState(wallets[0].address, sequenceNonce(base + 1n, 0))).to.equal(false);
      expect(await token.authorizationState(wallets[1].address, sequenceNonce(base, 0))).to.equal(false);
    });

    it("uses the token's EIP-712 domain as ERC-5267 reports it", async function () {
      const { token, domain } = await loadFixture(paymentsFixture);
      const reported = await token.eip712Domain();
      expect(tokenDomain(reported.name, reported.verifyingContract, reported.chainId)).to.deep.equal(domain);
      expect(reported.version).to.equal("1");
    });
  });
});
