// The sign-in page's ?next= cannot send the browser to another site (issue 12, item 7): each
// hostile value is followed by Chromium itself, through the real form, and must end on this origin.
import { expect, test, type Page } from "@playwright/test";
import { ensureUser, PASSWORD } from "./helpers";

const USER = "redirect-checker";

// raw query strings, as an attacker would put them in a link
const HOSTILE = [
  "/%5Cevil.example/phish",
  "/%09/evil.example/phish",
  "/%0A/evil.example/phish",
  "//evil.example/phish",
  "/%2F/evil.example/phish",
  "%2F%5C%5Cevil.example/phish",
  "/.//evil.example/phish",
  "https://evil.example/phish",
  "javascript:alert(document.domain)",
];

test.beforeAll(async ({ request }) => {
  await ensureUser(request, USER, "viewer");
});

async function trapEvil(page: Page): Promise<string[]> {
  const reached: string[] = [];
  // nothing resolves evil.example here anyway; answering makes a redirect visible instead of an error page
  await page.route(
    (url) => url.hostname.endsWith("evil.example"),
    async (route) => {
      reached.push(route.request().url());
      await route.fulfill({ status: 200, contentType: "text/html", body: "<h1>phished</h1>" });
    },
  );
  return reached;
}

function sameOrigin(page: Page, baseURL: string | undefined): void {
  expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
}

for (const next of HOSTILE) {
  test(`signing in with next=${next} stays on this site`, async ({ page, baseURL }) => {
    const reached = await trapEvil(page);
    await page.goto(`/sign-in?next=${next}`);
    await page.getByLabel("Username").fill(USER);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/experiments$/);
    sameOrigin(page, baseURL);
    // already signed in: the page redirects on the server, through the same check
    await page.goto(`/sign-in?next=${next}`);
    await expect(page).toHaveURL(/\/experiments$/);
    sameOrigin(page, baseURL);
    expect(reached).toEqual([]);
  });
}

test("a same-origin next is honoured", async ({ page }) => {
  await page.goto("/sign-in?next=/decisions");
  await page.getByLabel("Username").fill(USER);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/decisions$/);
});
