// An admin app hosted by Sluice, in a real browser, set up as an administrator would: start
// `sluice demo` in a fresh data dir, sign in through the API, upload the fixture
// (admin-fixture/: a hand-written stand-in for DreamFactory's admin app) into the seeded
// `files` service with DreamFactory's file API, register it as an app of type 1 (storage
// service), and open its launch URL on Sluice's own port in Chromium. The page makes the
// calls DreamFactory's admin app makes, with the `admin` app's API key, and lists each
// step's outcome; this checks every step and the values the page read. Writes a screenshot.
//
// SLUICE_BIN, CHROMIUM: see harness.mjs
// SCREENSHOT      where the picture of the page goes (default: target/admin-app.png); the page
//                 as it was when waiting for it failed goes next to it (admin-app-failure.png)

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_FLAGS, STEP_TIMEOUT_MS, browserPath, check, repo, startDemo, watchForProblems } from "./harness.mjs";

const screenshot = process.env.SCREENSHOT || join(repo, "target/admin-app.png");
const failureShot = screenshot.replace(/\.png$/, "-failure.png");
const FIXTURE = join(repo, "tests/browser/admin-fixture");
const FIXTURE_FILES = { "index.html": "text/html", "admin.js": "text/javascript", "admin.css": "text/css" };
const FOLDER = "admin-fixture";
const ADMIN_EMAIL = "admin@example.com";
// Every step the page runs, in order; a debug build answers all of them in a few seconds.
const STEPS = ["login", "environment", "system resources", "create service", "list services", "access list",
  "create role", "schema", "data", "api docs", "apps", "users", "admins", "profile", "limits", "email templates",
  "sign out"];
const PAGE_TIMEOUT_MS = 120_000;
const RESOURCES = ["service", "role", "app", "user", "admin", "cors", "limit", "event_script", "email_template",
  "package", "custom"];
// DreamFactory's components of a database service with one table, `note`; `_sql` is Sluice's.
const NOTES_COMPONENTS = ["", "*", "_schema/", "_schema/*", "_schema/note/", "_schema/note/*", "_table/", "_table/*",
  "_table/note/", "_table/note/*", "_sql"];

/** The API as the administrator's scripts call it: JSON in and out, a status to expect. */
function client(url) {
  let token = null;
  const call = async (method, path, { body, form, status = 200 } = {}) => {
    const headers = token ? { "X-DreamFactory-Session-Token": token } : {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`${url}/api/v2/${path}`, {
      method,
      headers,
      body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    check(response.status === status, `${method} ${path} answered ${response.status}, not ${status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
  call.signIn = async (password) => {
    ({ session_token: token } = await call("POST", "system/admin/session", { body: { email: ADMIN_EMAIL, password } }));
  };
  return call;
}

/** Uploads the fixture into `files/admin-fixture/` and registers it; returns its launch URL. */
async function hostFixture(api) {
  await api("POST", `files/${FOLDER}/`, { status: 201 });
  const form = new FormData();
  for (const [name, type] of Object.entries(FIXTURE_FILES)) {
    form.append("files", new Blob([readFileSync(join(FIXTURE, name))], { type }), name);
  }
  const uploaded = await api("POST", `files/${FOLDER}/`, { form, status: 201 });
  const paths = uploaded.resource.map((file) => file.path).sort();
  check(paths.join(",") === Object.keys(FIXTURE_FILES).map((name) => `${FOLDER}/${name}`).sort().join(","),
    `uploaded: ${JSON.stringify(uploaded)}`);

  const [files] = (await api("GET", "system/service?filter=name%3Dfiles&fields=id")).resource;
  const app = { name: FOLDER, description: "The browser test's admin app", is_active: true, type: 1,
    storage_service_id: files.id, storage_container: FOLDER, path: "index.html" };
  const created = await api("POST", "system/app?fields=id,launch_url", { body: { resource: [app] }, status: 201 });
  const launchUrl = created.resource[0].launch_url;
  check(launchUrl === `/files/${FOLDER}/index.html`, `launch_url: ${launchUrl}`);
  return launchUrl;
}

/** Hosted files come with their extension's content type, and no credentials are needed. */
async function checkContentTypes(url) {
  for (const [name, type] of Object.entries(FIXTURE_FILES)) {
    const response = await fetch(`${url}/files/${FOLDER}/${name}`);
    const got = response.headers.get("content-type") || "";
    check(response.status === 200 && got.split(";")[0] === type, `${name}: ${response.status} ${got}`);
  }
}

/** Opens the app, waits for its last step, and returns the step lines and the values read. */
async function runPage(page, url, launchUrl, adminKey, password) {
  const hash = new URLSearchParams({ api_key: adminKey, email: ADMIN_EMAIL, password });
  await page.goto(`${url}${launchUrl}#${hash}`);
  await page.locator("#done").waitFor({ state: "visible", timeout: PAGE_TIMEOUT_MS });
  const lines = await page.locator("#results li").allInnerTexts();
  const values = Object.fromEntries(
    await page.locator("#values tr").evaluateAll((rows) =>
      rows.map((row) => [row.dataset.key, row.querySelector("td").textContent])),
  );
  const options = await page.locator("#component option").allInnerTexts();
  return { lines, values, options };
}

function checkPage({ lines, values, options }, expected) {
  const failed = lines.filter((line) => !line.endsWith(": ok"));
  check(failed.length === 0, `steps failed:\n${failed.join("\n")}`);
  check(lines.join("|") === STEPS.map((name) => `${name}: ok`).join("|"), `steps: ${lines.join("|")}`);
  const has = (key, names) => {
    const missing = names.filter((name) => !values[key].split(",").includes(name));
    check(missing.length === 0, `${key} lacks ${missing.join(",")}: ${values[key]}`);
  };
  check(values["session.email"] === ADMIN_EMAIL && values["session.is_root_admin"] === "true",
    `session: ${values["session.email"]} ${values["session.is_root_admin"]}`);
  has("environment.apps", ["admin", "api_docs", "file_manager", FOLDER]);
  check(values["environment.app_urls"].split(" ").includes(`${FOLDER}=${expected.launchUrl}`),
    `environment urls: ${values["environment.app_urls"]}`);
  has("system.resources", RESOURCES);
  has("services.names", ["files", "db", "notes"]);
  check(values["services.count"] === String(values["services.names"].split(",").length), "services.count");
  check(values["access.components"] === NOTES_COMPONENTS.map((c) => JSON.stringify(c)).join(" "),
    `notes?as_access_list=true: ${values["access.components"]}`);
  check(options.includes("_table/*") && !options.some((text) => text.includes("[object Object]")),
    `the component picker shows: ${options.join(" | ")}`);
  check(values["role.access"] === `${values["service.id"]} _table/* 3 1`, `role access: ${values["role.access"]}`);
  has("schema.tables", ["contact", "contact_info", "employees"]);
  check(values["schema.contact.fields"].startsWith("id,first_name,last_name,"), `contact: ${values["schema.contact.fields"]}`);
  check(values["data.contacts"] === expected.contacts, `contacts: ${values["data.contacts"]}, not ${expected.contacts}`);
  check(values["api_docs.title"] === "Demo database" && values["api_docs.group"] === "Database",
    `api_docs/db info: ${values["api_docs.title"]} / ${values["api_docs.group"]}`);
  has("apps.names", ["admin", "api_docs", "file_manager", "demo", FOLDER]);
  check(values["users.count"] === "0", `users: ${values["users.count"]}`);
  check(values["admins.emails"] === ADMIN_EMAIL, `admins: ${values["admins.emails"]}`);
  check(values.profile === `Ada Lovelace | Ada Lovelace | 555 0100 | ${ADMIN_EMAIL}`, `profile: ${values.profile}`);
  check(values.limits === `instance.service:${values["service.id"]}.verb:GET.minute | notes | 100 100`,
    `limits: ${values.limits}`);
  check(values.email_templates === "0 -> Welcome", `email templates: ${values.email_templates}`);
}

async function main() {
  rmSync(failureShot, { force: true });
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-admin-app-"));
  const { server, ready } = startDemo(dataDir);
  let browser;
  try {
    const { url, adminPassword } = await ready;
    const api = client(url);
    await api.signIn(adminPassword);
    const launchUrl = await hostFixture(api);
    await checkContentTypes(url);
    const [{ api_key: adminKey }] = (await api("GET", "system/app?filter=name%3Dadmin&fields=api_key")).resource;
    const contacts = (await api("GET", "db/_table/contact?limit=3")).resource
      .map((record) => `${record.id} ${record.first_name} ${record.last_name}`).join(", ");

    browser = await chromium.launch({ executablePath: browserPath, headless: true, args: CHROMIUM_FLAGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const problems = watchForProblems(page, url, new Set());
    const shown = await runPage(page, url, launchUrl, adminKey, adminPassword).catch(async (error) => {
      await page.screenshot({ path: failureShot, fullPage: true }).catch(() => {});
      throw new Error(`${error.message}\n(the page as it was: ${failureShot})`);
    });
    await page.screenshot({ path: screenshot, fullPage: true });
    checkPage(shown, { launchUrl, contacts });
    check(problems.length === 0, `the page had problems:\n${problems.join("\n")}`);
    console.log(`admin app: hosted at ${launchUrl}, ${shown.lines.length} steps ok; screenshot ${screenshot}`);
  } finally {
    if (browser) await browser.close();
    server.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`admin app test failed: ${error.stack || error}`);
  process.exit(1);
});
