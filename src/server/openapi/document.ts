import { codeVersion } from "@/core/env";
import "./operations";
import { buildDocument } from "./registry";

let cached: ReturnType<typeof buildDocument> | undefined;

export function openApiDocument() {
  cached ??= buildDocument(codeVersion());
  return cached;
}
