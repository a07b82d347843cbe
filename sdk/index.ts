/**
 * The typed HTTP clients of the three APIs, usable without Pulumi, and the request core they share.
 */
export * from "./core";
export * from "./netactuate";
export * from "./tensordock";
export * from "./walletcrew";
