import type { DepositToken } from "../../../typechain-types";
import { send } from "../actions";
import { show } from "../dom";
import type { PaymentPage } from "../signed-payment";
import { app, current, legByLabel, rememberRef } from "../state";

/** The connected session as the signed-payment forms (signed-payment.ts) use it. */
export function paymentPage(): PaymentPage {
  const s = current();
  return {
    account: s.account, chainId: app.config.chainId, provider: s.provider, signer: s.signer, registry: s.registry,
    cash: (currency) => {
      const leg = legByLabel(s, "cash", currency);
      return { ...leg, contract: leg.contract as unknown as DepositToken };
    },
    send, busy: (text) => show("busy", text), rememberRef,
  };
}
