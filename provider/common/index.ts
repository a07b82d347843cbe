export * from "./check";
export * from "./config";
export * from "./outputs";
