import { codeVersion } from "@/server/env";
import "./operations";
import { buildDocument } from "./registry";

let cached: ReturnType<typeof buildDocument> | undefined;

export function openApiDocument() {
  cached ??= buildDocument(codeVersion());
  return cached;
}
