// route() in-process, over a body that counts what is pulled from it: nothing of the body is read
// for a caller who may not call the route, a declared length over the cap is refused unread, and a
// body that grows past the cap stops being read at the cap. Before, POST /api/auth/login read any
// body whole (req.text()) before its 400. The production server's side: test/server-body-limits.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { POST as login } from "@/app/api/auth/login/route";
import { POST as assign } from "@/app/api/v1/assign/route";
import { POST as createExperiment } from "@/app/api/v1/experiments/route";
import { BODY_LIMITS } from "@/server/http/body";
import { setupStores, TEST_CLIENT_KEY } from "./helpers/app";

const KiB = 1024;
const NO_PARAMS = { params: Promise.resolve({}) };

/** A body of `total` bytes produced only as it is pulled. */
function countedBody(total: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += 64 * KiB;
        controller.enqueue(new Uint8Array(64 * KiB).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  ); // nothing is pulled ahead of a read
  return { stream, pulled: () => pulled };
}

function post(path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>): Request {
  return new Request(`http://localhost${path}`, { method: "POST", headers, body, duplex: "half" } as RequestInit);
}

beforeAll(setupStores, 120_000);

describe("route() reads bodies only after authentication and under a cap", () => {
  it("stops reading a 300 MiB login body at its 8 KiB cap", async () => {
    const body = countedBody(300 * 1024 * KiB);
    const res = await login(post("/api/auth/login", body.stream, { "content-type": "application/json" }), NO_PARAMS);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(BODY_LIMITS.public).toBe(8 * KiB);
    expect(body.pulled()).toBeLessThanOrEqual(2 * 64 * KiB);
  });

  it("refuses a declared Content-Length over the cap without reading", async () => {
    const body = countedBody(1024 * KiB);
    const res = await login(post("/api/auth/login", body.stream, { "content-type": "application/json", "content-length": String(1024 * KiB) }), NO_PARAMS);
    expect(res.status).toBe(413);
    expect(body.pulled()).toBe(0);
  });

  it("reads nothing of an unauthenticated body, on a client route and on a management one", async () => {
    for (const [handler, path] of [
      [assign, "/api/v1/assign"],
      [createExperiment, "/api/v1/experiments"],
    ] as const) {
      const body = countedBody(4 * 1024 * KiB);
      const res = await handler(post(path, body.stream, { "content-type": "application/json" }), NO_PARAMS);
      expect(res.status).toBe(401);
      expect(body.pulled(), path).toBe(0);
    }
  });

  it("caps a client route at 1 MiB once the key is known (its documented limit)", async () => {
    const body = countedBody(64 * 1024 * KiB);
    const res = await assign(post("/api/v1/assign", body.stream, { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" }), NO_PARAMS);
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(1024 * KiB + 64 * KiB);
  });

  it("takes a JSON body only as application/json (415), so a cross-site form cannot post one", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      const res = await login(new Request("http://localhost/api/auth/login", { method: "POST", headers, body: new Blob(['{"username":"a","password":"b"}']) }), NO_PARAMS);
      expect({ type, status: res.status }).toEqual({ type, status: 415 });
    }
  });
});
