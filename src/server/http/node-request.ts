// What the route handlers of server.ts's direct path read of a request (method, url, headers, the
// body as text, bytes or a stream), over node:http's request: a web Request would build a
// ReadableStream and an AbortSignal per request, which cost more than the assignment itself.
// The body is read only when the handler asks for it, which route() does after authenticating the
// caller, and never beyond the route's cap or its deadline: an unauthenticated upload costs only
// the socket's buffers, and a stalled one is given up on.
import type { IncomingMessage } from "node:http";
import { AppError } from "@/core/errors";
import { tooLarge, type CappedBodySource } from "./body";

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (value) for (const v of value) headers.append(name, v);
  }
  return headers;
}

/** Reads at most maxBytes of the body within timeoutMs (0: no deadline); 413 / 408 otherwise. */
export function readIncoming(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > maxBytes) return reject(tooLarge(maxBytes, `Body of ${declared} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = timeoutMs > 0 ? setTimeout(() => fail(new AppError("request_timeout", `The request body did not arrive within ${timeoutMs} ms`)), timeoutMs) : undefined;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return fail(tooLarge(maxBytes));
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onClose = () => fail(new AppError("bad_request", "The client closed the connection before the body arrived"));
    const cleanup = () => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", fail).off("close", onClose);
    };
    function fail(e: Error) {
      cleanup();
      chunks.length = 0;
      req.pause(); // server.ts answers with Connection: close and node:http drops the rest
      reject(e);
    }
    req.on("data", onData).on("end", onEnd).on("error", fail).on("close", onClose);
  });
}

export class NodeRequest implements CappedBodySource {
  readonly headers: Headers;
  readonly url: string;
  private bytes: Promise<Buffer> | undefined;

  constructor(
    private readonly incoming: IncomingMessage,
    /** the route's cap: no read goes beyond it */
    private readonly maxBytes: number,
    private readonly timeoutMs: number,
  ) {
    this.headers = toHeaders(incoming);
    this.url = `http://${incoming.headers.host ?? "localhost"}${incoming.url}`;
  }
  get method(): string {
    return this.incoming.method ?? "GET";
  }
  readBytes(maxBytes: number): Promise<Buffer> {
    this.bytes ??= this.method === "GET" || this.method === "HEAD" ? Promise.resolve(Buffer.alloc(0)) : readIncoming(this.incoming, Math.min(maxBytes, this.maxBytes), this.timeoutMs);
    return this.bytes;
  }
  async text(): Promise<string> {
    return (await this.readBytes(this.maxBytes)).toString("utf8");
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.readBytes(this.maxBytes);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
  }
  /** the capped body as one chunk (a 413 or 408 surfaces as the stream's error) */
  get body(): ReadableStream<Uint8Array> | null {
    const h = this.incoming.headers;
    if (h["content-length"] === undefined && h["transfer-encoding"] === undefined) return null;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const b = await this.readBytes(this.maxBytes);
          if (b.length) controller.enqueue(new Uint8Array(b.buffer, b.byteOffset, b.length));
          controller.close();
        } catch (e) {
          controller.error(e);
        }
      },
    });
  }
}
