import { expect } from "chai";
import { ethers } from "hardhat";
import { derivedRate, RATE_DECIMALS, RATE_PRECISION } from "../../lib/dvp";
import { explainError } from "../../lib/errors";

const usd = (amount: bigint) => ({ amount, decimals: 2, label: "USD" });
const eur = (amount: bigint) => ({ amount, decimals: 2, label: "EUR" });

describe("Derived exchange rate of a payment versus payment trade (lib/dvp.ts derivedRate)", function () {
  it("derives the rate from the two integer amounts to 6 decimals and states how", function () {
    expect(derivedRate(usd(100_000_000n), eur(92_000_000n))).to.deep.equal({ rate: "0.920000", text: "1 USD = 0.920000 EUR" });
    expect(derivedRate(eur(92_000_000n), usd(100_000_000n)).text).to.equal("1 EUR = 1.086957 USD");
    expect([RATE_DECIMALS, RATE_PRECISION]).to.deep.equal([6, "derived from the two amounts, 6 decimals, rounded half to even"]);
  });

  it("rounds half to even on the last decimal and nothing else", function () {
    // 1.0000005 and 1.0000015: exact halves round to the even neighbour.
    expect(derivedRate(usd(200_000_000n), eur(200_000_100n)).rate).to.equal("1.000000");
    expect(derivedRate(usd(200_000_000n), eur(200_000_300n)).rate).to.equal("1.000002");
    // Just above and below a half.
    expect(derivedRate(usd(300_000_000n), eur(300_000_151n)).rate).to.equal("1.000001");
    expect(derivedRate(usd(300_000_000n), eur(300_000_149n)).rate).to.equal("1.000000");
  });

  it("takes each currency's decimals into account and is exact beyond floating point", function () {
    const jpy = (amount: bigint) => ({ amount, decimals: 0, label: "JPY" });
    expect(derivedRate(usd(100n), jpy(150n)).text).to.equal("1 USD = 150.000000 JPY");
    expect(derivedRate(jpy(150n), usd(100n)).text).to.equal("1 JPY = 0.006667 USD");
    const big = 10n ** 30n;
    expect(derivedRate(usd(big), eur(big + 1n)).rate).to.equal("1.000000");
    expect(derivedRate(usd(3n), eur(1n), 0).rate).to.equal("0");
    expect(() => derivedRate(usd(0n), eur(1n))).to.throw("a rate needs a positive USD amount, not 0");
  });
});

describe("A same-token trade refused in words (lib/errors.ts)", function () {
  it("explains SameToken naming the token, also inside a batch's TradeRefused", async function () {
    const escrow = await ethers.getContractFactory("DvPEscrow");
    const token = ethers.getAddress("0x00000000000000000000000000000000000000e1");
    const same = escrow.interface.encodeErrorResult("SameToken", [token]);
    const interfaces = [escrow.interface];
    expect(await explainError({ data: same }, { interfaces }))
      .to.equal(`SameToken: both legs are token ${token}: a trade exchanges two different tokens (a security or a currency against another currency)`);
    expect(await explainError({ data: escrow.interface.encodeErrorResult("TradeRefused", [1, same]) }, { interfaces, items: ["ref A", "ref FX-2"] }))
      .to.equal(`trade 1 (ref FX-2): SameToken: both legs are token ${token}: a trade exchanges two different tokens (a security or a currency against another currency)`);
  });
});
