// A real HTTP receiver on 127.0.0.1 for webhook tests: records every request (headers and raw body)
// and answers with the status codes it is told to, in order (then 200).
import { createServer, type IncomingHttpHeaders } from "node:http";

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; event: string; experiment: string; sentAt: number; attempt: number; text: string; data: Record<string, unknown> };
}

export interface Receiver {
  url: string;
  received: Received[];
  /** status codes for the next requests, in order; 200 once they run out */
  answers: number[];
  /** resolves once `predicate` holds for the received list (polls; rejects after timeoutMs) */
  waitFor(predicate: (r: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(answers: number[] = []): Promise<Receiver> {
  const received: Received[] = [];
  const state = { answers: [...answers] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString();
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.statusCode = state.answers.shift() ?? 200;
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get answers() {
      return state.answers;
    },
    set answers(a: number[]) {
      state.answers = [...a];
    },
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met after ${timeoutMs} ms; got ${received.map((r) => r.body.event).join(", ") || "nothing"}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
