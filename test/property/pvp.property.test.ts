import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { pvpFixture } from "../fixtures";
import { netPositions, TradeTerms } from "../../lib/dvp";
import { fcParameters } from "./fcConfig";

/**
 * One random PvP trade among the fixture's four parties: which currency the seller pays (EUR or USD, the
 * other is the cash leg) and both amounts in cents. At most 12 trades of at most 8,000.00 a leg: every
 * party can pay all of them from what the fixture gave it, so only the drawn faults refuse a trade.
 */
const MAX_TRADES = 12;
const tradeArb = fc.record({
  seller: fc.nat({ max: 3 }),
  offset: fc.integer({ min: 1, max: 3 }),
  sellerPaysEur: fc.boolean(),
  assetCents: fc.bigInt({ min: 1n, max: 800_000n }),
  cashCents: fc.bigInt({ min: 1n, max: 800_000n }),
});

/** What refuses, if anything: the seller of trade `at` frozen in one currency, a currency paused, or a forged signature. */
const faultArb = fc.option(fc.record({
  kind: fc.constantFrom("frozen" as const, "paused" as const, "signature" as const), at: fc.nat(), eur: fc.boolean(),
}), { nil: undefined });

describe("Payment versus payment invariants (property)", function () {
  it("keeps every currency's supply, moves each party by exactly its signed obligations per currency, one by one or netted, and a refused trade or batch changes nothing", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(tradeArb, { minLength: 1, maxLength: MAX_TRADES }), faultArb, fc.boolean(), async (drawn, fault, netted) => {
        const f = await loadFixture(pvpFixture);
        const [usdAddress, eurAddress] = [await f.usdToken.getAddress(), await f.eurToken.getAddress()];
        const tokens = [f.usdToken, f.eurToken];
        const terms: TradeTerms[] = drawn.map((d, i) => {
          const [seller, buyer] = [f.parties[d.seller].address, f.parties[(d.seller + d.offset) % 4].address];
          const [asset, cash] = d.sellerPaysEur ? [eurAddress, usdAddress] : [usdAddress, eurAddress];
          return { seller, buyer, asset, assetAmount: d.assetCents, cash, cashAmount: d.cashCents, deadline: f.deadline, ref: `0x${(i + 1).toString(16).padStart(64, "0")}` };
        });
        const signed = await Promise.all(terms.map((t) => f.sign(t)));
        const at = fault ? fault.at % terms.length : -1;
        const faultToken = fault?.eur ? f.eurToken : f.usdToken;
        const frozen = fault?.kind === "frozen" ? terms[at].seller : undefined;
        if (frozen) await faultToken.connect(f.compliance).freeze(frozen);
        if (fault?.kind === "paused") await faultToken.connect(f.pauser).pause();
        if (fault?.kind === "signature") signed[at] = { ...signed[at], buyerSig: signed[at].sellerSig };
        const snapshot = async () => {
          const rows: bigint[] = [];
          for (const token of tokens) {
            rows.push(await token.totalSupply(), await token.balanceOf(f.escrowAddress));
            for (const p of f.parties) rows.push(await token.balanceOf(p.address));
          }
          return rows;
        };
        const before = await snapshot();
        // Whether settling the trade alone is refused by the drawn fault.
        const refusedAlone = (i: number) => fault !== undefined && (fault.kind === "paused"
          || (fault.kind === "signature" && i === at)
          || (fault.kind === "frozen" && [terms[i].seller, terms[i].buyer].includes(frozen!)));
        const settled: TradeTerms[] = [];

        if (netted) {
          const batch = f.escrow.connect(f.agent).settleSignedBatch(signed);
          if (fault?.kind === "signature") {
            await expect(batch).to.be.revertedWithCustomError(f.escrow, "TradeRefused")
              .withArgs(at, f.escrow.interface.encodeErrorResult("InvalidSignature", [terms[at].buyer]));
          } else if (fault?.kind === "paused") {
            await expect(batch).to.be.revertedWithCustomError(faultToken, "TokenPaused");
          } else if (frozen) {
            await expect(batch).to.be.revertedWithCustomError(faultToken, "WalletFrozen").withArgs(frozen);
          } else {
            await batch;
            settled.push(...terms);
          }
          if (fault) expect(await snapshot()).to.deep.equal(before);
        } else {
          for (const [i, s] of signed.entries()) {
            const ahead = await snapshot();
            const tx = f.escrow.connect(f.agent).settleSigned(s.terms, s.sellerSig, s.buyerSig);
            // Frozen in one currency only: the trade is refused when the frozen seller is one of its parties.
            if (refusedAlone(i)) {
              if (fault!.kind === "signature") await expect(tx).to.be.revertedWithCustomError(f.escrow, "InvalidSignature").withArgs(s.terms.buyer);
              else if (fault!.kind === "paused") await expect(tx).to.be.revertedWithCustomError(faultToken, "TokenPaused");
              else await expect(tx).to.be.revertedWithCustomError(faultToken, "WalletFrozen").withArgs(frozen);
              expect(await snapshot(), `trade ${i} refused`).to.deep.equal(ahead);
            } else {
              await tx;
              settled.push(s.terms);
            }
          }
        }

        const after = await snapshot();
        const nets = netPositions(settled);
        let row = 0;
        for (const token of tokens) {
          const address = await token.getAddress();
          expect(after[row], `supply of ${address}`).to.equal(before[row]);
          expect(after[row + 1], `escrow's ${address}`).to.equal(0n);
          for (const [i, p] of f.parties.entries()) {
            const obligations = settled.reduce((sum, t) => {
              const amount = address === t.asset ? t.assetAmount : t.cashAmount;
              const [payer, payee] = address === t.asset ? [t.seller, t.buyer] : [t.buyer, t.seller];
              return sum + (payee === p.address ? amount : 0n) - (payer === p.address ? amount : 0n);
            }, 0n);
            expect(after[row + 2 + i] - before[row + 2 + i], `${p.address} in ${address}`).to.equal(obligations);
            expect(nets.get(address)?.get(p.address) ?? 0n).to.equal(obligations);
          }
          row += 2 + f.parties.length;
        }
        for (const t of terms) {
          expect(await f.escrow.isSignedTradeSettled(t)).to.equal(settled.includes(t));
        }
      }),
      fcParameters(),
    );
  });
});
