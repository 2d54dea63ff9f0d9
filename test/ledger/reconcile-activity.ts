import { time } from "@nomicfoundation/hardhat-network-helpers";
import { participantId, tradeRef } from "../../lib/format";
import { ACME_LEI, GLOBEX_LEI } from "../tasks/helpers";
import { activity } from "./activity";

export const ACME_LEGAL_NAME = "Acme Treasury Ltd";

/**
 * `activity` with what only a reconciliation looks at: legal names (Acme's recorded twice, the latest
 * stands), a trade left open with Globex's notes locked in the escrow, a trade Globex cancelled after Acme
 * locked its cash while Acme was frozen (its refund waits in the escrow), and Globex's pending redemption.
 */
export async function reconcileActivity() {
  const f = await activity();
  const { registry, compliance, usd, shares, escrow, acme, globex } = f;
  await (await registry.connect(compliance).setLegalName(participantId(ACME_LEI), "Acme Holdings")).wait();
  await (await registry.connect(compliance).setLegalName(participantId(ACME_LEI), ACME_LEGAL_NAME)).wait();
  await (await registry.connect(compliance).setLegalName(participantId(GLOBEX_LEI), "Globex Markets Ltd")).wait();
  const propose = async (ref: string, assetAmount: bigint, cashAmount: bigint) => {
    const trade = { seller: globex.address, buyer: acme.address, asset: await shares.getAddress(), assetAmount, cash: await usd.getAddress(), cashAmount, deadline: BigInt(await time.latest()) + 86_400n, ref: tradeRef(ref) };
    const receipt = await (await escrow.connect(globex).proposeTrade(trade)).wait();
    const id = escrow.interface.parseLog(receipt!.logs.find((l) => escrow.interface.parseLog(l)?.name === "TradeProposed")!)!.args.tradeId as string;
    return { id, trade };
  };
  const open = await propose("DVP-OPEN", 40n, 400_00n);
  await (await shares.connect(globex).approve(await escrow.getAddress(), 40n)).wait();
  await (await escrow.connect(globex).fund(open.id, open.trade)).wait();
  const refunded = await propose("DVP-REFUND", 5n, 77_00n);
  await (await usd.connect(acme).approve(await escrow.getAddress(), 77_00n)).wait();
  await (await escrow.connect(acme).fund(refunded.id, refunded.trade)).wait();
  await (await usd.connect(compliance).freeze(acme.address)).wait();
  await (await escrow.connect(globex).cancel(refunded.id, refunded.trade)).wait();
  await (await usd.connect(compliance).unfreeze(acme.address)).wait();
  await (await usd.connect(globex).requestRedemption(60_00n)).wait();
  return { ...f, openTradeId: open.id, refundedTradeId: refunded.id, usdAddress: (await usd.getAddress()).toLowerCase(), sharesAddress: (await shares.getAddress()).toLowerCase() };
}

export type ReconcileActivity = Awaited<ReturnType<typeof reconcileActivity>>;
