export * from "./identity";
export * from "./experiments";
