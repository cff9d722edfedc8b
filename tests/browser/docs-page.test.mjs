// The /docs page in a real browser: start `sluice demo` on a free port in a fresh data dir,
// open `/`, follow the link to /docs, authorise with the demo app's API key, pick the `db`
// service, run GET /_table/{table_name} for `contact` with "Try it out", and check that the
// response panel shows contact rows. Documents have one path per table (the table's real
// fields are in its schemas), so that operation is GET /_table/contact. Writes a screenshot for people to look at.
//
// SLUICE_BIN, CHROMIUM: see harness.mjs
// SCREENSHOT      where the picture of the answer goes (default: target/docs-page.png); the
//                 top of the page goes next to it (docs-page-top.png), and the page as it was
//                 when a step failed (docs-page-failure.png)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import {
  CHROMIUM_FLAGS,
  STEP_TIMEOUT_MS,
  browserPath,
  check,
  repo,
  startDemo,
  watchForProblems,
} from "./harness.mjs";

const screenshot = process.env.SCREENSHOT || join(repo, "target/docs-page.png");
const topShot = screenshot.replace(/\.png$/, "-top.png");
const failureShot = screenshot.replace(/\.png$/, "-failure.png");

/** The first contact as the API returns it, to look for in the page. */
async function firstContact(url, apiKey) {
  const response = await fetch(`${url}/api/v2/db/_table/contact/1`, {
    headers: { "X-DreamFactory-Api-Key": apiKey },
  });
  check(response.status === 200, `GET contact/1 answered ${response.status}`);
  return response.json();
}

/** Expands the GET operation on `path`, fills `parameters` in with "Try it out", executes it
 * and waits for a 200 in the response panel; returns the operation and the response body. */
async function tryGet(page, path, parameters) {
  const operation = page.locator(".opblock-get", {
    has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
  });
  await operation.locator(".opblock-summary").click();
  await operation.getByRole("button", { name: "Try it out" }).click();
  for (const [name, value] of Object.entries(parameters)) {
    await operation.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  await operation.getByRole("button", { name: "Execute" }).click();
  const live = operation.locator(".live-responses-table");
  await live.locator(".response-col_status", { hasText: "200" }).waitFor();
  const body = await live.locator(".response-col_description pre.microlight").first().innerText();
  return { operation, body };
}

/** With the demo app's API key: GET /_table/contact through "Try it out"; returns the rows. */
async function tryContactsWithApiKey(page, url, apiKey, contact) {
  await page.goto(`${url}/`);
  await page.getByRole("link", { name: "API docs page" }).click();
  await page.waitForURL(`${url}/docs`);

  await page.locator("#api-key").fill(apiKey);
  await page.getByRole("button", { name: "Open the docs" }).click();

  const definitions = page.locator(".topbar select");
  await definitions.selectOption({ label: "db" });
  await page.locator(".info .title", { hasText: "Demo database" }).waitFor();

  const { operation, body } = await tryGet(page, "/_table/contact", { limit: "3" });
  const rows = JSON.parse(body).resource;
  check(Array.isArray(rows) && rows.length === 3, `expected 3 rows in the response panel, got: ${body.slice(0, 200)}`);
  check(
    rows[0].id === 1 && rows[0].first_name === contact.first_name && rows[0].last_name === contact.last_name,
    `the first row is not contact 1 (${contact.first_name} ${contact.last_name}): ${JSON.stringify(rows[0])}`,
  );

  // The page as people first see it (signed in, `db` selected), then the answer.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: topShot });
  await operation.locator(".responses-wrapper").evaluate((panel) => panel.scrollIntoView());
  await page.screenshot({ path: screenshot });
  return rows.length;
}

/** The administrator signs in keeping the default "User" choice: the user sign-in refuses
 * (401), the page falls back to the admin sign-in. A wrong password, refused by both, shows
 * DreamFactory's message. Then the `system` definition is offered, and its operations run
 * with the session token; signing out ends the session. */
async function trySystemAsAdmin(page, url, adminPassword, expected401) {
  expected401.add(`${url}/api/v2/user/session`);
  expected401.add(`${url}/api/v2/system/admin/session`);
  await page.getByRole("button", { name: "Sign out" }).click();
  check(await page.getByLabel("User", { exact: true }).isChecked(), "User is not the default choice");
  await page.locator("#email").fill("admin@example.com");
  await page.locator("#password").fill(`${adminPassword}-wrong`);
  await page.getByRole("button", { name: "Open the docs" }).click();
  await page.locator("#problem", { hasText: "Invalid credentials supplied." }).waitFor();

  await page.locator("#password").fill(adminPassword);
  const refusedAsUser = page.waitForResponse((response) => response.url().endsWith("/api/v2/user/session"));
  await page.getByRole("button", { name: "Open the docs" }).click();
  check((await refusedAsUser).status() === 401, "the user sign-in did not refuse the administrator");
  await page.locator("#signed-in").waitFor();
  const who = await page.locator("#signed-in").innerText();
  check(who === "Signed in as admin@example.com (administrator)", `the header says: ${who}`);
  expected401.clear();

  const definitions = page.locator(".topbar select");
  await definitions.locator("option", { hasText: "system" }).waitFor({ state: "attached" });
  const names = await definitions.locator("option").allInnerTexts();
  check(names.join(",") === "db,system", `an admin's definitions are ${names.join(",")}`);
  await definitions.selectOption({ label: "system" });
  await page.locator(".info .title", { hasText: "System Management" }).waitFor();

  const { body } = await tryGet(page, "/system/service_type", {});
  check(body.includes('"name": "sqlite"'), `GET /system/service_type did not list sqlite: ${body.slice(0, 200)}`);

  const signedOut = page.waitForResponse(
    (response) => response.request().method() === "DELETE" && response.url().endsWith("/api/v2/system/admin/session"),
  );
  await page.getByRole("button", { name: "Sign out" }).click();
  check((await signedOut).status() === 200, "signing out did not end the admin session");
  await page.locator("#credentials").waitFor();
}

const USER_EMAIL = "reader@example.com";
const USER_PASSWORD = "a long enough user password";

/** A non-admin user, made through the system API with the administrator's session. */
async function createUser(url, adminPassword) {
  const post = (path, body, token) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { "X-DreamFactory-Session-Token": token } : {}) },
      body: JSON.stringify(body),
    });
  const login = await post("/api/v2/system/admin/session", { email: "admin@example.com", password: adminPassword });
  check(login.status === 200, `admin login answered ${login.status}`);
  const { session_token: token } = await login.json();
  const user = { email: USER_EMAIL, password: USER_PASSWORD, name: "Reader", is_active: true };
  const created = await post("/api/v2/system/user", { resource: [user] }, token);
  check(created.status === 201, `creating the user answered ${created.status}`);
}

/** A user signing in through the demo app (API key and password): the app's role applies. */
async function tryContactsAsUser(page, apiKey) {
  await page.locator("#api-key").fill(apiKey);
  await page.locator("#email").fill(USER_EMAIL);
  await page.locator("#password").fill(USER_PASSWORD);
  await page.getByLabel("User", { exact: true }).check();
  await page.getByRole("button", { name: "Open the docs" }).click();
  await page.locator("#signed-in").waitFor();
  const who = await page.locator("#signed-in").innerText();
  check(who === `Signed in as ${USER_EMAIL} with an API key`, `the header says: ${who}`);
  const { body } = await tryGet(page, "/_table/contact", { limit: "1" });
  check(JSON.parse(body).resource.length === 1, `a user's GET /_table/contact: ${body.slice(0, 200)}`);

  const signedOut = page.waitForResponse(
    (response) => response.request().method() === "DELETE" && response.url().endsWith("/api/v2/user/session"),
  );
  await page.getByRole("button", { name: "Sign out" }).click();
  check((await signedOut).status() === 200, "signing out did not end the user's session");
}

async function main() {
  rmSync(failureShot, { force: true });
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-docs-page-"));
  const { server, ready } = startDemo(dataDir);
  let browser;
  try {
    const { url, apiKey, adminPassword } = await ready;
    const contact = await firstContact(url, apiKey);
    await createUser(url, adminPassword);
    // Playwright gives every launch a new, empty profile (its own --user-data-dir).
    browser = await chromium.launch({ executablePath: browserPath, headless: true, args: CHROMIUM_FLAGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const expected401 = new Set();
    const problems = watchForProblems(page, url, expected401);
    const rows = await (async () => {
      const shown = await tryContactsWithApiKey(page, url, apiKey, contact);
      await trySystemAsAdmin(page, url, adminPassword, expected401);
      await tryContactsAsUser(page, apiKey);
      return shown;
    })().catch(async (error) => {
      await page.screenshot({ path: failureShot, fullPage: true }).catch(() => {});
      throw new Error(`${error.message}\n(the page as it was: ${failureShot})`);
    });
    check(problems.length === 0, `the page had problems:\n${problems.join("\n")}`);
    console.log(`docs page: GET /_table/contact showed ${rows} rows, the admin signed in with "User" and ran GET /system/service_type, a user signed in through the demo app; screenshots ${screenshot}, ${topShot}`);
  } finally {
    if (browser) await browser.close();
    server.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`docs page test failed: ${error.stack || error}`);
  process.exit(1);
});
