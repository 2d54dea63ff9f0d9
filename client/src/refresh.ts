import { refreshAccount, refreshBalances, refreshRedemptions } from "./panels/account";
import { refreshPayments } from "./panels/payments";
import { refreshTrades } from "./panels/trades";
import { current } from "./state";

/** Reads every panel afresh from the chain: account, balances, pending redemptions, open trades, recent payments. */
export async function refresh(): Promise<void> {
  const s = current();
  await refreshAccount(s);
  await refreshBalances(s);
  await refreshRedemptions(s);
  await refreshTrades(s);
  await refreshPayments(s);
}
