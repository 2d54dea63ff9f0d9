import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { CurrencyConfig, SecurityConfig } from "../../lib/config";
import { CURRENCIES, deploySuite, IssuanceLimits, Suite } from "../../lib/suite";

/** Limits high enough that one officer issues every seed amount of the benchmarks alone. */
export const BENCH_LIMITS: IssuanceLimits = {
  issuanceThreshold: "1000000000000", redemptionThreshold: "1000000000000", officerAllowance: "10000000000000", approvalWindow: 3600,
};

/**
 * The suite every gas benchmark measures: the USD token (or `currencies`; and `securities`), `ops`
 * (account 1) holding compliance, pause and upgrades, the admin guarding upgrades, and the issuance
 * officers and the reserve attester on the last three accounts (they must be different keys), with
 * reserves of 10^15 smallest units attested now in every currency. `desk` is USD's, `desks` every one's.
 * The escrow and FxQuotes (onboarded by `ops`) come with `securities`.
 */
export async function benchSuite(hre: HardhatRuntimeEnvironment, securities?: SecurityConfig[], currencies: CurrencyConfig[] = [CURRENCIES.USD]) {
  const { ethers } = hre;
  const signers = await ethers.getSigners();
  const [admin, ops] = signers;
  const [secondIssuer, issuer, reserve] = signers.slice(-3);
  const roles = {
    compliance: ops.address, issuer: issuer.address, secondIssuer: secondIssuer.address, reserve: reserve.address,
    pauser: ops.address, upgrader: ops.address, guardian: admin.address,
  };
  const suite: Suite = await deploySuite(hre, {
    admin, roles, limits: BENCH_LIMITS, currencies, adminDelay: 0,
    ...(securities ? { securities, compliance: ops } : {}),
  });
  const desk = suite.desks.USD.connect(issuer);
  const now = (await ethers.provider.getBlock("latest"))!.timestamp;
  const desks: Suite["desks"] = {};
  for (const c of currencies) {
    await (await suite.desks[c.code].connect(reserve).attestReserves(10n ** 15n, ethers.id(`bench-reserves-${c.code}`), now)).wait();
    desks[c.code] = suite.desks[c.code].connect(issuer);
  }
  return { suite, desk, desks, ops, issuer, secondIssuer, reserve };
}
