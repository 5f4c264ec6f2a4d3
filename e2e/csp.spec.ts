// The dashboard under its Content-Security-Policy (a nonce per request, src/proxy.ts): every page
// works in Chromium and the browser reports no violation. A page whose scripts lacked the nonce
// would not hydrate: the sign-in form would not sign in, and Chromium would log each refusal.
import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, ADMIN_USER } from "./env";
import { createExperiment } from "./helpers";

test("the dashboard runs under its CSP without a single violation", async ({ page, request }) => {
  await createExperiment(request, { key: "csp-check", name: "CSP check", strategy: "ab" });
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to|CSP violation/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });

  const csp = (await request.get("/sign-in")).headers()["content-security-policy"];
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  await page.goto("/sign-in");
  await page.getByLabel("Username").fill(ADMIN_USER);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/experiments$/);

  for (const path of ["/experiments", "/experiments/csp-check", "/experiments/new", "/decisions", "/audit", "/keys", "/users", "/webhooks", "/no-such-page"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  // client-side navigation: Next's router loads further chunks, allowed through 'strict-dynamic'
  await page.goto("/experiments");
  await page.getByRole("link", { name: "CSP check" }).first().click();
  await expect(page).toHaveURL(/\/experiments\/csp-check$/);
  await page.waitForLoadState("networkidle");
  expect(violations).toEqual([]);
});
