import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { depositTokenFixture, ids } from "../fixtures";
import { fcParameters } from "./fcConfig";

const WALLETS = 4; // alice, alice2 (participant alpha), bob (beta), carol (never onboarded)
const wallet = fc.integer({ min: 0, max: WALLETS - 1 });
const amount = fc.bigInt({ min: 0n, max: 1_500_000n });

type Action =
  | { kind: "mint"; to: number; amount: bigint }
  | { kind: "transfer"; from: number; to: number; amount: bigint }
  | { kind: "freeze" | "unfreeze"; who: number }
  | { kind: "suspend" | "reinstate"; participant: "alpha" | "beta" }
  | { kind: "redeem"; from: number; amount: bigint }
  | { kind: "complete" | "reject"; pick: number }
  | { kind: "attest"; delta: bigint }
  | { kind: "wait"; days: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("mint" as const), to: wallet, amount }),
  fc.record({ kind: fc.constant("transfer" as const), from: wallet, to: wallet, amount }),
  fc.record({ kind: fc.constantFrom("freeze" as const, "unfreeze" as const), who: wallet }),
  fc.record({ kind: fc.constantFrom("suspend" as const, "reinstate" as const), participant: fc.constantFrom("alpha" as const, "beta" as const) }),
  fc.record({ kind: fc.constant("redeem" as const), from: wallet, amount }),
  fc.record({ kind: fc.constantFrom("complete" as const, "reject" as const), pick: fc.nat() }),
  // attestations above and below the supply: the attester records the truth, including a shortfall
  fc.record({ kind: fc.constant("attest" as const), delta: fc.bigInt({ min: -1_000_000n, max: 2_000_000n }) }),
  fc.record({ kind: fc.constant("wait" as const), days: fc.integer({ min: 1, max: 40 }) }),
);

describe("DepositToken invariants (property)", function () {
  it("keeps supply = balances + pending redemptions, supply <= attested reserves - payouts since, and credits only allowed, unfrozen wallets", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
        const f = await loadFixture(depositTokenFixture);
        const { token, registry } = f;
        const wallets = [f.alice, f.alice2, f.bob, f.carol];
        const holders = [...wallets.map((w) => w.address), await token.getAddress()];
        const maxAge = await token.maxAttestationAge();
        // the model: the last attested amount, minus the fiat paid out by completed redemptions since
        let [lastAttested] = await token.reserves();
        let paidOut = 0n;
        let covered = true; // the last attestation covered the supply of its moment
        let step = 0;
        const balances = () => Promise.all(holders.map((h) => token.balanceOf(h)));
        for (const a of actions) {
          step++;
          const before = await balances();
          const supplyBefore = await token.totalSupply();
          const [reservesBefore] = await token.reserves();
          const eligible = await Promise.all(wallets.map(async (w) =>
            (await registry.isAllowed(w.address)) && !(await token.isFrozen(w.address))));
          let done = false;
          try {
            await perform(a, step);
            done = true;
          } catch (e) {
            if (!isContractRevert(e)) throw e; // refusals are expected; anything else is a bug in the test
          }
          const after = await balances();
          // no frozen or non-allowed wallet ever received tokens
          for (let i = 0; i < wallets.length; i++) {
            if (after[i] > before[i]) expect(eligible[i], `wallet ${i} credited by ${JSON.stringify(a, big)}`).to.equal(true);
          }
          // supply = sum of balances + pending redemptions
          const supply = await token.totalSupply();
          const pending = await pendingFromRequests();
          expect(supply).to.equal(after.slice(0, WALLETS).reduce((x, y) => x + y, 0n) + pending);
          expect(await token.pendingRedemptions()).to.equal(pending);
          // the recorded reserves are the last attestation minus the fiat paid out since (not below zero)
          const [reserves, , attestedAt] = await token.reserves();
          expect(reserves, `reserves after ${JSON.stringify(a, big)}`).to.equal(lastAttested > paidOut ? lastAttested - paidOut : 0n);
          // supply <= last attested reserves - fiat paid out since, whenever that attestation covered the supply
          if (covered) expect(supply <= lastAttested - paidOut, `supply ${supply} above reserves after ${JSON.stringify(a, big)}`).to.equal(true);
          // a shortfall only comes from an attestation, never grows otherwise, and no issuance happens under it
          const shortfall = (s: bigint, r: bigint) => (s > r ? s - r : 0n);
          if (a.kind !== "attest") expect(shortfall(supply, reserves) <= shortfall(supplyBefore, reservesBefore)).to.equal(true);
          if (a.kind === "mint" && done) {
            expect(supply <= reserves).to.equal(true);
            expect(BigInt(await time.latest()) - attestedAt <= maxAge, "issued on a stale attestation").to.equal(true);
          }
        }

        async function perform(a: Action, n: number): Promise<void> {
          switch (a.kind) {
            case "mint":
              await token.connect(f.issuer).mint(wallets[a.to].address, a.amount, ethers.id(`prop-${n}`));
              return;
            case "transfer":
              await token.connect(wallets[a.from]).transfer(wallets[a.to].address, a.amount);
              return;
            case "freeze":
              await token.connect(f.compliance).freeze(wallets[a.who].address);
              return;
            case "unfreeze":
              await token.connect(f.compliance).unfreeze(wallets[a.who].address);
              return;
            case "suspend":
              await registry.connect(f.compliance).setStatus(ids[a.participant], 2);
              return;
            case "reinstate":
              await registry.connect(f.compliance).setStatus(ids[a.participant], 1);
              return;
            case "redeem":
              await token.connect(wallets[a.from]).requestRedemption(a.amount);
              return;
            case "complete":
            case "reject": {
              const count = await token.redemptionCount();
              if (count === 0n) return;
              const id = (BigInt(a.pick) % count) + 1n;
              if (a.kind === "complete") {
                const { amount: paid } = await token.redemption(id);
                await token.connect(f.issuer).completeRedemption(id);
                paidOut += paid;
              } else await token.connect(f.issuer).rejectRedemption(id, ethers.id("prop-reject"));
              return;
            }
            case "attest": {
              const supply = await token.totalSupply();
              const amount = supply + a.delta > 0n ? supply + a.delta : 0n;
              await token.connect(f.reserve).attestReserves(amount, ethers.id(`report-${n}`));
              [lastAttested, paidOut, covered] = [amount, 0n, amount >= supply];
              return;
            }
            case "wait":
              await time.increase(a.days * 24 * 3600);
              return;
          }
        }

        async function pendingFromRequests(): Promise<bigint> {
          let sum = 0n;
          const count = await token.redemptionCount();
          for (let id = 1n; id <= count; id++) {
            const r = await token.redemption(id);
            if (r.status === 1n) sum += r.amount;
          }
          return sum;
        }
      }),
      fcParameters(),
    );
  });
});

function isContractRevert(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /reverted with (custom error|reason|panic)|VM Exception/.test(message);
}

function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
