import type { AbstractSigner, Provider } from "ethers";
import { SignerError } from "./index";
import type { ExternalSpec } from "./spec";

export async function openExternal(spec: ExternalSpec, _provider: Provider | null): Promise<AbstractSigner> {
  throw new SignerError(spec, "the signing-service backend is not available in this build");
}
