import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { batchFixture, units } from "../fixtures";
import { netPositions, tradeHash } from "../../lib/dvp";
import { fcParameters } from "./fcConfig";

/**
 * One trade of a random batch: parties and security by index into the fixture's, amounts in units and
 * cents. At most 12 trades of at most 80 units and 8,000.00 USD: every party can pay any net from what the
 * fixture gave it (1,000 units of each security, 100,000.00 USD), so only the drawn faults refuse a batch.
 */
const MAX_TRADES = 12;
const tradeArb = fc.record({
  seller: fc.nat({ max: 3 }),
  offset: fc.integer({ min: 1, max: 3 }),
  security: fc.nat({ max: 2 }),
  assetAmount: fc.bigInt({ min: 1n, max: 80n }),
  cashCents: fc.bigInt({ min: 1n, max: 800_000n }),
});

/** How a batch is made to fail, if at all: a bad signature, a duplicate, or terms a party withdrew, at a position. */
const faultArb = fc.option(fc.record({ kind: fc.constantFrom("signature" as const, "duplicate" as const, "withdrawn" as const), at: fc.nat() }), { nil: undefined });

describe("DvPEscrow netted batch invariants (property)", function () {
  it("moves each party exactly its signed net per token, keeps supplies and the escrow's balances, and a refused batch changes nothing", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(tradeArb, { minLength: 1, maxLength: MAX_TRADES }), faultArb, async (drawn, fault) => {
        const f = await loadFixture(batchFixture);
        const tokens = [f.cash, ...f.securities];
        const terms = drawn.map((d) => f.trade(f.parties[d.seller], f.parties[(d.seller + d.offset) % 4], d.security, units(d.assetAmount), d.cashCents));
        const signed = await Promise.all(terms.map((t) => f.sign(t)));
        const snapshot = async () => {
          const rows: bigint[] = [];
          for (const token of tokens) {
            rows.push(await token.totalSupply(), await token.balanceOf(f.escrowAddress));
            for (const p of f.parties) rows.push(await token.balanceOf(p.address));
          }
          return rows;
        };
        const before = await snapshot();

        if (fault) {
          const at = fault.at % signed.length;
          let batch = signed;
          if (fault.kind === "signature") {
            batch = signed.map((s, i) => (i === at ? { ...s, buyerSig: s.sellerSig } : s));
          } else if (fault.kind === "duplicate") {
            batch = [...signed.slice(0, at + 1), signed[at], ...signed.slice(at + 1)];
          } else {
            await f.escrow.connect(f.parties.find((p) => p.address === terms[at].seller)!).withdrawSignature(terms[at]);
          }
          const index = fault.kind === "duplicate" ? at + 1 : at;
          const hash = tradeHash(f.escrowAddress, f.chainId, terms[at]);
          const reason = fault.kind === "signature"
            ? f.escrow.interface.encodeErrorResult("InvalidSignature", [terms[at].buyer])
            : f.escrow.interface.encodeErrorResult(fault.kind === "duplicate" ? "SignedTradeAlreadySettled" : "TermsWithdrawn", [hash]);
          await expect(f.escrow.connect(f.agent).settleSignedBatch(batch))
            .to.be.revertedWithCustomError(f.escrow, "TradeRefused").withArgs(index, reason);
          expect(await snapshot()).to.deep.equal(before);
          for (const t of terms) expect(await f.escrow.isSignedTradeSettled(t)).to.equal(false);
          return;
        }

        await f.escrow.connect(f.agent).settleSignedBatch(signed);
        const after = await snapshot();
        const nets = netPositions(terms);
        let row = 0;
        for (const token of tokens) {
          const address = await token.getAddress();
          expect(after[row], `supply of ${address}`).to.equal(before[row]);
          expect(after[row + 1], `escrow's ${address}`).to.equal(before[row + 1]);
          for (const [i, p] of f.parties.entries()) {
            // the sum of its signed obligations: every unit it sold or paid out, every unit it bought or was paid
            const signedSum = terms.reduce((sum, t) => {
              const amount = address === t.asset ? t.assetAmount : address === t.cash ? t.cashAmount : 0n;
              const [payer, payee] = address === t.asset ? [t.seller, t.buyer] : [t.buyer, t.seller];
              return sum + (payee === p.address ? amount : 0n) - (payer === p.address ? amount : 0n);
            }, 0n);
            expect(after[row + 2 + i] - before[row + 2 + i], `${p.address} in ${address}`).to.equal(signedSum);
            expect(nets.get(address)?.get(p.address) ?? 0n).to.equal(signedSum);
          }
          row += 2 + f.parties.length;
        }
        for (const t of terms) expect(await f.escrow.isSignedTradeSettled(t)).to.equal(true);
        // nothing settles twice: the single path refuses every trade of the batch
        const first = signed[0];
        await expect(f.escrow.connect(f.agent).settleSigned(first.terms, first.sellerSig, first.buyerSig))
          .to.be.revertedWithCustomError(f.escrow, "SignedTradeAlreadySettled");
      }),
      fcParameters(),
    );
  });
});

