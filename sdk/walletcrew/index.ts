/** The Wallet Crew tenant secrets client. */
export { describeProblem, type PutSecret, WalletCrewClient, type WalletCrewClientOptions } from "./client";
