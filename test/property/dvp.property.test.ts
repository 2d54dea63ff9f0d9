import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { dvpFixture, ids, proposedTerms, usd } from "../fixtures";
import { signTrade, TradeTerms } from "../../lib/dvp";
import { fcParameters } from "./fcConfig";

type Side = "seller" | "buyer";
type Action =
  | { kind: "propose"; reversed: boolean; by: Side; assetAmount: bigint; cashCents: bigint; ttl: number }
  | { kind: "fund" | "cancel"; pick: number; by: Side }
  | { kind: "expire"; pick: number }
  | { kind: "wait"; seconds: number }
  | { kind: "signed"; reversed: boolean; assetAmount: bigint; cashCents: bigint }
  | { kind: "freeze" | "unfreeze"; who: Who; leg: Leg }
  | { kind: "suspend" | "reinstate"; who: Who }
  | { kind: "pause" | "unpause"; leg: Leg }
  | { kind: "force"; leg: Leg }
  | { kind: "order"; pick: number }
  | { kind: "claim"; party: Side; leg: Leg };

type Who = "alice" | "bob" | "escrow";
type Leg = "asset" | "cash";

const side = fc.constantFrom<Side>("seller", "buyer");
const assetAmount = fc.bigInt({ min: 1n, max: 400n });
const cashCents = fc.bigInt({ min: 1n, max: 600_000n });
// picks count back from the newest trade, so actions mostly meet trades that are still open
const pick = fc.nat({ max: 3 });
const who = fc.constantFrom<Who>("alice", "bob", "escrow");
const leg = fc.constantFrom<Leg>("asset", "cash");
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("propose" as const), reversed: fc.boolean(), by: side, assetAmount, cashCents, ttl: fc.integer({ min: 5, max: 600 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("fund" as const), pick, by: side }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick, by: side }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("expire" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("signed" as const), reversed: fc.boolean(), assetAmount, cashCents }) },
  // compliance actions mixed in: none of them may take a leg or break the escrow's balance
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("freeze" as const, "unfreeze" as const), who, leg }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("suspend" as const, "reinstate" as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("pause" as const, "unpause" as const), leg }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("force" as const), leg }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("order" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("claim" as const), party: side, leg }) },
);

const SETTLED = 4n;

describe("DvPEscrow invariants (property)", function () {
  it("holds exactly the locked legs of open trades plus pending refunds, whatever compliance does; settles each trade once, moving exactly both amounts", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 24 }), async (actions) => {
        const f = await loadFixture(dvpFixture);
        const { escrow, escrowAddress, asset, cash } = f;
        // both parties hold both tokens so trades run either way
        await f.desk.connect(f.issuer).mint(f.alice.address, usd("20000.00"), ethers.id("prop-cash-alice"));
        await asset.connect(f.issuer).issue(f.bob.address, 1000n);
        await cash.connect(f.alice).approve(escrowAddress, ethers.MaxUint256);
        await asset.connect(f.bob).approve(escrowAddress, ethers.MaxUint256);
        const { chainId } = await ethers.provider.getNetwork();
        const trades: { id: string; terms: TradeTerms }[] = [];
        const settled = new Set<string>();
        // refunds waiting for owners who could not receive, from the escrow's events: owner -> token -> amount
        const pending = new Map<string, bigint>();
        const pendingKey = (party: string, token: string) => `${party}:${token}`;
        const tokenOf = (l: Leg) => (l === "asset" ? asset : cash);
        const addressOf = (w: Who) => (w === "alice" ? f.alice.address : w === "bob" ? f.bob.address : escrowAddress);
        const participantOf = (w: Who) => (w === "alice" ? ids.alpha : w === "bob" ? ids.beta : ethers.id("DVP-ESCROW"));
        const record = (logs: readonly { topics: readonly string[]; data: string }[]) => {
          for (const log of logs) {
            let e;
            try {
              e = escrow.interface.parseLog(log);
            } catch {
              continue;
            }
            if (e?.name === "RefundPending") {
              const k = pendingKey(e.args.party, e.args.token);
              pending.set(k, (pending.get(k) ?? 0n) + (e.args.amount as bigint));
            } else if (e?.name === "RefundClaimed") {
              pending.set(pendingKey(e.args.party, e.args.token), 0n);
            }
          }
        };
        const party = (addr: string) => (addr === f.alice.address ? f.alice : f.bob);
        const holdings = async (t: TradeTerms) => ({
          sellerCash: await cash.balanceOf(t.seller), buyerAsset: await asset.balanceOf(t.buyer),
          sellerAsset: await asset.balanceOf(t.seller), buyerCash: await cash.balanceOf(t.buyer),
        });
        const termsOf = async (reversed: boolean, amount: bigint, cents: bigint, ttl: number): Promise<TradeTerms> => ({
          seller: reversed ? f.bob.address : f.alice.address,
          buyer: reversed ? f.alice.address : f.bob.address,
          asset: await asset.getAddress(), assetAmount: amount,
          cash: await cash.getAddress(), cashAmount: cents,
          deadline: BigInt((await time.latest()) + ttl), ref: ethers.id(`prop-${trades.length}-${ttl}-${amount}`),
        });

        for (const a of actions) {
          const target = a.kind === "fund" || a.kind === "cancel" || a.kind === "expire" || a.kind === "order"
            ? trades.length > 0 ? trades[Math.max(0, trades.length - 1 - a.pick)] : undefined : undefined;
          const before = target ? await holdings(target.terms) : undefined;
          try {
            switch (a.kind) {
              case "propose": {
                const terms = await termsOf(a.reversed, a.assetAmount, a.cashCents, a.ttl);
                const by = party(a.by === "seller" ? terms.seller : terms.buyer);
                const receipt = await (await escrow.connect(by).proposeTrade(terms)).wait();
                const event = receipt!.logs.map((l) => escrow.interface.parseLog(l)).find((e) => e?.name === "TradeProposed");
                trades.push({ id: event!.args.tradeId as string, terms });
                break;
              }
              case "fund":
              case "cancel": {
                if (!target) break;
                const by = party(a.by === "seller" ? target.terms.seller : target.terms.buyer);
                const receipt = await (await (a.kind === "fund" ? escrow.connect(by).fund(target.id, await proposedTerms(escrow, target.id)) : escrow.connect(by).cancel(target.id, await proposedTerms(escrow, target.id)))).wait();
                record(receipt!.logs);
                const settles = receipt!.logs.map((l) => escrow.interface.parseLog(l)).filter((e) => e?.name === "TradeSettled");
                if (settles.length > 0) {
                  // no trade settles twice
                  expect(settled.has(target.id), `trade ${target.id} settled twice`).to.equal(false);
                  settled.add(target.id);
                  // the settling call moved exactly both amounts to the receiving parties
                  const after = await holdings(target.terms);
                  expect(after.buyerAsset - before!.buyerAsset).to.equal(target.terms.assetAmount);
                  expect(after.sellerCash - before!.sellerCash).to.equal(target.terms.cashAmount);
                }
                break;
              }
              case "expire":
                if (target) record((await (await escrow.connect(f.outsider).expire(target.id, await proposedTerms(escrow, target.id))).wait())!.logs);
                break;
              case "order":
                if (target) record((await (await escrow.connect(f.compliance).closeByOrder(target.id, await proposedTerms(escrow, target.id), ethers.id("COURT-ORDER"))).wait())!.logs);
                break;
              case "claim": {
                const party = a.party === "seller" ? f.alice.address : f.bob.address;
                record((await (await escrow.connect(f.outsider).claimRefund(party, await tokenOf(a.leg).getAddress())).wait())!.logs);
                break;
              }
              case "freeze":
                await tokenOf(a.leg).connect(f.compliance).freeze(addressOf(a.who));
                break;
              case "unfreeze":
                await tokenOf(a.leg).connect(f.compliance).unfreeze(addressOf(a.who));
                break;
              case "suspend":
                await f.registry.connect(f.compliance).setStatus(participantOf(a.who), 2);
                break;
              case "reinstate":
                await f.registry.connect(f.compliance).setStatus(participantOf(a.who), 1);
                break;
              case "pause":
                await tokenOf(a.leg).connect(f.pauser).pause();
                break;
              case "unpause":
                await tokenOf(a.leg).connect(f.pauser).unpause();
                break;
              case "force": {
                // compliance tries to take from the escrow: always refused
                const token = tokenOf(a.leg);
                const held = await token.balanceOf(escrowAddress);
                await expect(token.connect(f.compliance).forceTransfer(escrowAddress, f.alice2.address, held > 0n ? held : 1n, ethers.id("ORDER")))
                  .to.be.revertedWithCustomError(token, "InvalidForcedTransferSource").withArgs(escrowAddress);
                break;
              }
              case "wait":
                await time.increase(a.seconds);
                break;
              case "signed": {
                const terms = await termsOf(a.reversed, a.assetAmount, a.cashCents, 600);
                const sellerSig = await signTrade(party(terms.seller), escrowAddress, chainId, terms);
                const buyerSig = await signTrade(party(terms.buyer), escrowAddress, chainId, terms);
                const start = await holdings(terms);
                await escrow.connect(f.agent).settleSigned(terms, sellerSig, buyerSig);
                const end = await holdings(terms);
                expect([end.sellerAsset - start.sellerAsset, end.buyerAsset - start.buyerAsset, end.buyerCash - start.buyerCash, end.sellerCash - start.sellerCash])
                  .to.deep.equal([-terms.assetAmount, terms.assetAmount, -terms.cashAmount, terms.cashAmount]);
                await expect(escrow.connect(f.agent).settleSigned(terms, sellerSig, buyerSig)).to.be.revertedWithCustomError(escrow, "SignedTradeAlreadySettled");
                break;
              }
            }
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            if (!/reverted with (custom error|reason|panic)|VM Exception/.test(message)) throw e;
          }

          // tokens held by the escrow = sum of locked, unsettled legs + refunds waiting for their owners
          let lockedAsset = 0n;
          let lockedCash = 0n;
          for (const t of trades) {
            const [state] = await escrow.getTrade(t.id);
            if (state === 2n) lockedAsset += t.terms.assetAmount;
            if (state === 3n) lockedCash += t.terms.cashAmount;
            if (settled.has(t.id)) expect(state).to.equal(SETTLED);
          }
          const waiting = async (token: string) => {
            let sum = 0n;
            for (const party of [f.alice.address, f.bob.address]) {
              const owed = pending.get(pendingKey(party, token)) ?? 0n;
              expect(await escrow.pendingRefund(party, token)).to.equal(owed);
              sum += owed;
            }
            expect(await escrow.pendingRefundTotal(token)).to.equal(sum);
            return sum;
          };
          const [assetAddress, cashAddress] = [await asset.getAddress(), await cash.getAddress()];
          expect(await asset.balanceOf(escrowAddress), `asset after ${JSON.stringify(a, big)}`).to.equal(lockedAsset + await waiting(assetAddress));
          expect(await cash.balanceOf(escrowAddress), `cash after ${JSON.stringify(a, big)}`).to.equal(lockedCash + await waiting(cashAddress));
          expect(await escrow.lockedBalance(assetAddress)).to.equal(lockedAsset);
          expect(await escrow.lockedBalance(cashAddress)).to.equal(lockedCash);
        }
      }),
      fcParameters(),
    );
  });
});

function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
