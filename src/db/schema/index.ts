export * from "./identity";
export * from "./experiments";
export * from "./metrics";
