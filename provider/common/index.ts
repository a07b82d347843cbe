export * from "./check";
export * from "./config";
export * from "./outputs";
export * from "./coalesce";
export * from "./notice";
export * from "./settings";
export * from "./errors";
export * from "./lookup";
