// The calls DreamFactory's admin app makes, in the order an administrator's first visit makes
// them: sign in, the shell (environment, system resources), services, the role editor's
// component picker, schema and data, API docs, apps, users, admins, the profile, limits,
// email templates. Each step writes "name: ok" or "name: FAIL reason" into #results and what it
// read into #values; "done" shows when all have run. The page is opened with
// #api_key=...&email=...&password=... (the `admin` app's key and the administrator's sign-in).
"use strict";

const params = new URLSearchParams(location.hash.slice(1));
const API_KEY = params.get("api_key") || "";
const state = { token: null };

// The system resources the admin app shows pages for (it hides those `GET /system` omits).
const RESOURCES = ["service", "role", "app", "user", "admin", "cors", "limit", "event_script",
  "email_template", "package", "custom"];

/** One API call as the admin app sends it: the app's key always, the session once signed in. */
async function api(method, path, body) {
  const headers = { "X-DreamFactory-Api-Key": API_KEY, Accept: "application/json" };
  if (state.token) headers["X-DreamFactory-Session-Token"] = state.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`/api/v2/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const message = json && json.error ? json.error.message : text.slice(0, 200);
    throw new Error(`${method} ${path} answered ${response.status}: ${message}`);
  }
  return json;
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Records a value the step read, for people (the screenshot) and for the test. */
function show(key, value) {
  const row = document.createElement("tr");
  row.dataset.key = key;
  const name = document.createElement("th");
  name.textContent = key;
  const cell = document.createElement("td");
  cell.textContent = value;
  row.append(name, cell);
  document.querySelector("#values tbody").append(row);
}

async function step(name, run) {
  const line = document.createElement("li");
  line.dataset.step = name;
  try {
    await run();
    line.textContent = `${name}: ok`;
    line.className = "ok";
  } catch (error) {
    line.textContent = `${name}: FAIL ${error.message}`;
    line.className = "fail";
  }
  document.getElementById("results").append(line);
}

/** A system list as the admin app's tables ask for it: a page, with the total. */
async function list(resource, extra = "") {
  const answer = await api("GET", `system/${resource}?include_count=true&limit=50&offset=0${extra}`);
  expect(answer.meta && typeof answer.meta.count === "number", `${resource}: no meta.count`);
  expect(answer.meta.count === answer.resource.length, `${resource}: meta.count ${answer.meta.count} for ${answer.resource.length} records`);
  return answer.resource;
}

async function signIn() {
  const session = await api("POST", "system/admin/session", {
    email: params.get("email"),
    password: params.get("password"),
    remember_me: false,
  });
  expect(typeof session.session_token === "string" && session.session_token, "no session_token");
  expect(session.is_root_admin === true, `is_root_admin is ${session.is_root_admin}`);
  state.token = session.session_token;
  document.getElementById("signed-in").textContent = `Signed in as ${session.email}`;
  show("session.email", session.email);
  show("session.is_root_admin", String(session.is_root_admin));
}

async function environment() {
  const env = await api("GET", "system/environment");
  expect(env.platform && env.platform.root_admin_exists === true, "platform.root_admin_exists is not true");
  const apps = env.apps.map((app) => app.name);
  expect(apps.includes("admin"), `apps: ${apps.join(",")}`);
  show("environment.apps", apps.join(","));
  show("environment.app_urls", env.apps.map((app) => `${app.name}=${app.url}`).join(" "));
}

async function systemResources() {
  const names = (await api("GET", "system")).resource.map((resource) => resource.name);
  const missing = RESOURCES.filter((name) => !names.includes(name));
  expect(missing.length === 0, `missing ${missing.join(",")}`);
  show("system.resources", names.join(","));
}

/** The service page's "create": a SQLite service over a new file, then a table in it. */
async function createService() {
  const created = await api("POST", "system/service", {
    resource: [{ name: "notes", label: "Notes", description: "Made by the admin fixture", type: "sqlite",
      is_active: true, config: { database: "notes.sqlite", create: true } }],
  });
  state.serviceId = created.resource[0].id;
  expect(typeof state.serviceId === "number", "no service id");
  await api("POST", "notes/_schema", {
    resource: [{ name: "note", field: [{ name: "id", type: "id" }, { name: "title", type: "string", length: 80 }] }],
  });
  show("service.id", String(state.serviceId));
}

async function listServices() {
  const services = await list("service", "&related=service_doc_by_service_id");
  const docs = new Set(services.map((service) => JSON.stringify(service.service_doc_by_service_id)));
  expect(docs.size === 1 && docs.has("null"), `service_doc_by_service_id: ${[...docs].join(",")}`);
  const select = document.getElementById("service");
  for (const service of services) select.add(new Option(service.label || service.name, service.id));
  select.value = String(state.serviceId);
  show("services.count", String(services.length));
  show("services.names", services.map((service) => service.name).join(","));
}

/** The role editor's component picker: the options are whatever the list holds, as text. */
async function accessList() {
  const components = (await api("GET", "notes?as_access_list=true")).resource;
  const select = document.getElementById("component");
  for (const component of components) {
    const option = document.createElement("option");
    option.textContent = component; // an object would read "[object Object]", as in the admin app
    option.value = typeof component === "string" ? component : JSON.stringify(component);
    select.append(option);
  }
  const notStrings = components.filter((component) => typeof component !== "string");
  expect(notStrings.length === 0, `${notStrings.length} components are not strings`);
  show("access.components", components.map((component) => JSON.stringify(component)).join(" "));
}

async function createRole() {
  const select = document.getElementById("component");
  select.value = "_table/*";
  expect(select.value === "_table/*", "no _table/* to pick");
  const row = { service_id: state.serviceId, component: select.value, verb_mask: 1 | 2, requestor_mask: 1,
    filters: [], filter_op: "AND" };
  const created = await api("POST", "system/role?related=role_service_access_by_role_id", {
    resource: [{ name: "notes editor", description: "Reads and adds notes", is_active: true,
      role_service_access_by_role_id: [row] }],
  });
  const id = created.resource[0].id;
  const role = await api("GET", `system/role/${id}?related=role_service_access_by_role_id`);
  const rows = role.role_service_access_by_role_id;
  expect(role.name === "notes editor" && rows.length === 1, `read back: ${JSON.stringify(role).slice(0, 200)}`);
  const [access] = rows;
  show("role.access", `${access.service_id} ${access.component} ${access.verb_mask} ${access.requestor_mask}`);
}

async function schema() {
  const tables = (await api("GET", "db/_schema")).resource.map((table) => table.name);
  expect(tables.includes("contact"), `tables: ${tables.join(",")}`);
  const contact = await api("GET", "db/_schema/contact");
  show("schema.tables", tables.join(","));
  show("schema.contact.fields", contact.field.map((field) => field.name).join(","));
}

async function data() {
  const rows = (await api("GET", "db/_table/contact?limit=3")).resource;
  expect(rows.length === 3, `${rows.length} rows`);
  const body = document.querySelector("#contacts tbody");
  for (const record of rows) {
    const line = body.insertRow();
    for (const value of [record.id, record.first_name, record.last_name]) line.insertCell().textContent = value;
  }
  show("data.contacts", rows.map((record) => `${record.id} ${record.first_name} ${record.last_name}`).join(", "));
}

async function apiDocs() {
  const doc = await api("GET", "api_docs/db");
  expect(doc.info && doc.info.title && doc.info.group, `info: ${JSON.stringify(doc.info)}`);
  expect(doc.paths && doc.paths["/_table/contact"], "no /_table/contact path");
  show("api_docs.title", doc.info.title);
  show("api_docs.group", doc.info.group);
}

async function apps() {
  const names = (await list("app", "&related=role_by_role_id")).map((app) => app.name);
  show("apps.names", names.join(","));
}

async function users() {
  const records = await list("user", "&related=lookup_by_user_id,user_to_app_to_role_by_user_id");
  show("users.count", String(records.length));
}

async function admins() {
  const records = await list("admin", "&related=lookup_by_user_id,user_to_app_to_role_by_user_id");
  show("admins.emails", records.map((admin) => admin.email).join(","));
}

/** The profile page sends back the whole form it was given, changed. */
async function profile() {
  const before = await api("GET", "system/admin/profile");
  const put = await api("PUT", "system/admin/profile", { ...before, first_name: "Ada", last_name: "Lovelace" });
  expect(put.success === true, `PUT: ${JSON.stringify(put)}`);
  const middle = await api("GET", "system/admin/profile");
  expect(middle.first_name === "Ada" && middle.last_name === "Lovelace", `after PUT: ${JSON.stringify(middle)}`);
  const post = await api("POST", "system/admin/profile", { ...middle, name: "Ada Lovelace", phone: "555 0100" });
  expect(post.success === true, `POST: ${JSON.stringify(post)}`);
  const after = await api("GET", "system/admin/profile");
  show("profile", `${after.name} | ${after.first_name} ${after.last_name} | ${after.phone} | ${after.email}`);
}

/** The limits page: one limit on the new service, listed with what the page shows of it. */
async function limits() {
  await api("POST", "system/limit", {
    resource: [{ name: "notes reads", type: "instance.service", service_id: state.serviceId, verb: "GET", rate: 100,
      period: "minute", is_active: true }],
  });
  const [limit] = await list("limit", "&related=service_by_service_id,role_by_role_id,user_by_user_id,limit_cache_by_limit_id");
  expect(limit.service_by_service_id && limit.role_by_role_id === null && limit.user_by_user_id === null,
    `relations: ${JSON.stringify(limit).slice(0, 300)}`);
  const [counter] = limit.limit_cache_by_limit_id;
  show("limits", `${limit.key_text} | ${limit.service_by_service_id.name} | ${counter.max} ${counter.remaining}`);
}

async function emailTemplates() {
  const before = await list("email_template");
  await api("POST", "system/email_template", {
    resource: [{ name: "Welcome", description: "Sent to new users", subject: "Welcome, {first_name}",
      body_text: "Hello {first_name}", body_html: "<p>Hello {first_name}</p>", from_name: "Sluice",
      from_email: "admin@example.com", defaults: {} }],
  });
  const after = await list("email_template");
  show("email_templates", `${before.length} -> ${after.map((template) => template.name).join(",")}`);
}

async function signOut() {
  const answer = await api("DELETE", "system/admin/session");
  expect(answer.success === true, JSON.stringify(answer));
  state.token = null;
  document.getElementById("signed-in").textContent = "Signed out";
}

async function main() {
  await step("login", signIn);
  await step("environment", environment);
  await step("system resources", systemResources);
  await step("create service", createService);
  await step("list services", listServices);
  await step("access list", accessList);
  await step("create role", createRole);
  await step("schema", schema);
  await step("data", data);
  await step("api docs", apiDocs);
  await step("apps", apps);
  await step("users", users);
  await step("admins", admins);
  await step("profile", profile);
  await step("limits", limits);
  await step("email templates", emailTemplates);
  await step("sign out", signOut);
  document.getElementById("done").hidden = false;
}

main();
