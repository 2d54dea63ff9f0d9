import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { eur, fxFixture, ids, usd, YEAR } from "../fixtures";
import { FxQuote } from "../../lib/fx";
import { fcParameters } from "./fcConfig";

type Currency = "USD" | "EUR";
type Action =
  | {
    kind: "pay"; provider: number; payer: number; beneficiary: number; named: "payer" | "any" | "other";
    sell: Currency; sellCents: bigint; buyCents: bigint; ttl: number; delay: number;
    tamper: boolean; reuse: boolean; cancel: boolean;
  }
  | { kind: "withdraw"; who: number; currency: Currency };

/** Parties 0-3 are onboarded (alice, bob, lp, dave); index 4 is carol, never onboarded (a beneficiary only). */
const PARTIES = 4;
const cents = fc.oneof({ weight: 1, arbitrary: fc.constant(0n) }, { weight: 9, arbitrary: fc.bigInt({ min: 1n, max: 400_000n }) });
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("pay" as const),
      provider: fc.nat({ max: PARTIES - 1 }), payer: fc.nat({ max: PARTIES - 1 }), beneficiary: fc.nat({ max: PARTIES }),
      named: fc.constantFrom("payer" as const, "any" as const, "other" as const),
      sell: fc.constantFrom<Currency>("USD", "EUR"), sellCents: cents, buyCents: cents,
      ttl: fc.integer({ min: 0, max: 600 }), delay: fc.integer({ min: 1, max: 700 }),
      tamper: fc.boolean(), reuse: fc.boolean(), cancel: fc.boolean(),
    }).map((a) => ({ ...a, tamper: a.tamper && a.ttl % 5 === 0, reuse: a.reuse && a.ttl % 3 === 0, cancel: a.cancel && a.ttl % 7 === 0 })),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), who: fc.nat({ max: PARTIES - 1 }), currency: fc.constantFrom<Currency>("USD", "EUR") }) },
);

async function fxParties() {
  const f = await fxFixture();
  const dave = (await ethers.getSigners())[12];
  await f.registry.connect(f.compliance).onboard(ids.delta, [dave.address], (await time.latest()) + YEAR);
  const parties = [f.alice, f.bob, f.lp, dave];
  for (const [i, p] of parties.entries()) {
    await f.desk.connect(f.issuer).mint(p.address, usd("5000.00"), ethers.id(`prop-usd-${i}`));
    await f.suite.desks.EUR.connect(f.issuer).mint(p.address, eur("5000.00"), ethers.id(`prop-eur-${i}`));
    await f.usdToken.connect(p).approve(f.fxAddress, ethers.MaxUint256);
    await f.eurToken.connect(p).approve(f.fxAddress, ethers.MaxUint256);
  }
  return { ...f, dave, parties };
}

describe("FxQuotes invariants (property)", function () {
  it("keeps every currency's supply; a paid quote moves exactly its two legs, a refused one moves nothing; each nonce pays once", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (actions) => {
        const f = await loadFixture(fxParties);
        const { fx, fxAddress, parties, carol } = f;
        const tokens = { USD: f.usdToken, EUR: f.eurToken };
        const addresses = [...parties.map((p) => p.address), carol.address, fxAddress];
        const balances = async () => {
          const out: Record<string, bigint> = {};
          for (const c of ["USD", "EUR"] as const) for (const a of addresses) out[`${c}:${a}`] = await tokens[c].balanceOf(a);
          return out;
        };
        const supplies = async () => [await f.usdToken.totalSupply(), await f.eurToken.totalSupply()];
        const supply = await supplies();
        const model = await balances();
        const spent = new Set<string>();
        const signed: { q: FxQuote; sig: string }[] = [];
        let n = 0;

        for (const a of actions) {
          if (a.kind === "withdraw") {
            // the party takes its liquidity away by cutting its allowance to FxQuotes
            await tokens[a.currency].connect(parties[a.who]).approve(fxAddress, 0);
            continue;
          }
          const provider = parties[a.provider];
          const payer = parties[a.payer];
          const beneficiary = addresses[a.beneficiary];
          const named = a.named === "any" ? ethers.ZeroAddress : a.named === "payer" ? payer.address : parties[(a.payer + 1) % PARTIES].address;
          const bought: Currency = a.sell === "USD" ? "EUR" : "USD";
          const now = await time.latest();
          let q: FxQuote = {
            provider: provider.address, payer: named,
            sellToken: await tokens[a.sell].getAddress(), sellAmount: a.sellCents,
            buyToken: await tokens[bought].getAddress(), buyAmount: a.buyCents,
            validUntil: BigInt(now + a.ttl), nonce: ethers.id(`prop-quote-${++n}`),
          };
          let sig = await f.sign(q, provider);
          if (a.reuse && signed.length > 0) ({ q, sig } = signed[signed.length - 1]);
          signed.push({ q, sig });
          if (a.cancel) await fx.connect(parties[parties.findIndex((p) => p.address === q.provider)]).cancelQuote(q.nonce).catch(() => undefined);
          const paid = a.tamper ? { ...q, sellAmount: q.sellAmount + 1n } : q;
          const key = `${q.provider}:${q.nonce}`;
          const cancelled = (await fx.nonceState(q.provider, q.nonce)) === 2n;
          const at = (await time.latest()) + a.delay;
          const sellC: Currency = paid.sellToken === (await tokens.USD.getAddress()) ? "USD" : "EUR";
          const buyC: Currency = sellC === "USD" ? "EUR" : "USD";
          const allowance = async (c: Currency, who: string) => tokens[c].allowance(who, fxAddress);
          // what the model says: every rule the contract and the tokens apply, decided from the model's own state
          const fundsOk = model[`${buyC}:${payer.address}`] >= paid.buyAmount && (await allowance(buyC, payer.address)) >= paid.buyAmount
            && model[`${sellC}:${paid.provider}`] >= paid.sellAmount && (await allowance(sellC, paid.provider)) >= paid.sellAmount;
          const expected = !a.tamper && !spent.has(key) && !cancelled && paid.sellAmount > 0n && paid.buyAmount > 0n
            && BigInt(at) <= paid.validUntil && (paid.payer === ethers.ZeroAddress || paid.payer === payer.address)
            && beneficiary !== carol.address && beneficiary !== fxAddress && fundsOk;
          const before = await balances();
          await time.setNextBlockTimestamp(at);
          const ok = await fx.connect(payer).payWithQuote(paid, sig, beneficiary, ethers.id(`prop-ref-${n}`)).then(() => true, () => false);
          expect(ok, `payment ${n} (${fc.stringify(a)})`).to.equal(expected);
          if (ok) {
            spent.add(key);
            model[`${buyC}:${payer.address}`] -= paid.buyAmount;
            model[`${buyC}:${paid.provider}`] += paid.buyAmount;
            model[`${sellC}:${paid.provider}`] -= paid.sellAmount;
            model[`${sellC}:${beneficiary}`] += paid.sellAmount;
            expect(await fx.nonceState(paid.provider, paid.nonce)).to.equal(1n);
          }
          const after = await balances();
          if (!ok) expect(after).to.deep.equal(before);
          expect(after).to.deep.equal(model);
          expect(after[`USD:${fxAddress}`] + after[`EUR:${fxAddress}`]).to.equal(0n);
          expect(await supplies()).to.deep.equal(supply);
        }
      }),
      fcParameters(),
    );
  });
});
