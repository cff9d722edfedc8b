// The /docs page: ask who the caller is, list the services their role reaches, then hand
// those documents to Swagger UI. Every request Swagger UI sends to this gateway (the
// documents themselves and "Try it out") carries the caller's credentials.
"use strict";

(function () {
  const API_DOCS = "/api/v2/api_docs";
  const LOGIN = {
    user: "/api/v2/user/session",
    admin: "/api/v2/system/admin/session",
  };
  const API_KEY_HEADER = "X-DreamFactory-Api-Key";
  const SESSION_HEADER = "X-DreamFactory-Session-Token";

  // Held in memory only: nothing is written to storage, so a reload signs out of the page.
  const caller = { apiKey: "", sessionToken: "", sessionUrl: "", label: "" };

  const byId = (id) => document.getElementById(id);

  function credentialHeaders() {
    const headers = {};
    if (caller.apiKey) headers[API_KEY_HEADER] = caller.apiKey;
    if (caller.sessionToken) headers[SESSION_HEADER] = caller.sessionToken;
    return headers;
  }

  // Credentials go to this gateway only, whatever URL a document or a user points at.
  function sameOrigin(url) {
    return new URL(url, window.location.href).origin === window.location.origin;
  }

  // Swagger UI also sends what its Authorize dialog holds, spelled as the document spells
  // it; two spellings of one header would reach the gateway as one comma-joined value.
  function addCredentials(request) {
    if (!sameOrigin(request.url)) return request;
    for (const [name, value] of Object.entries(credentialHeaders())) {
      for (const existing of Object.keys(request.headers)) {
        if (existing.toLowerCase() === name.toLowerCase()) delete request.headers[existing];
      }
      request.headers[name] = value;
    }
    return request;
  }

  // DreamFactory's error envelope, or the status line when the body is something else.
  async function failure(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (_) {
      // not JSON: fall through
    }
    return `The gateway answered ${response.status} ${response.statusText}.`;
  }

  async function call(method, url, body) {
    const headers = { Accept: "application/json", ...credentialHeaders() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
    });
    if (!response.ok) {
      const error = new Error(await failure(response));
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  // Users and administrators sign in at different URLs, and each answers 401 "Invalid
  // credentials supplied." for the other kind of account. When the chosen kind refuses with
  // 401, the other is tried, so an administrator who keeps the default "User" gets in; if
  // both refuse, the first answer is shown.
  async function signIn(email, password, chosen) {
    const other = chosen === "user" ? "admin" : "user";
    let account = chosen;
    let session;
    try {
      session = await call("POST", LOGIN[chosen], { email, password });
    } catch (refused) {
      if (refused.status !== 401) throw refused;
      try {
        session = await call("POST", LOGIN[other], { email, password });
        account = other;
      } catch (alsoRefused) {
        throw alsoRefused.status === 401 ? refused : alsoRefused;
      }
    }
    caller.sessionToken = session.session_token;
    caller.sessionUrl = LOGIN[account];
    const isAdmin = session.is_sys_admin === true;
    caller.label = `${session.email || email}${isAdmin ? " (administrator)" : ""}`;
    return isAdmin;
  }

  // One Swagger UI entry per service the caller's role reaches; `system` (the system API) is
  // served to administrators only, and `as_list` does not name it, as it lists database
  // services.
  async function definitions(isAdmin) {
    const listed = await call("GET", `${API_DOCS}?as_list=true`);
    const names = listed.resource.slice();
    if (isAdmin) names.push("system");
    return names.map((name) => ({ name, url: `${API_DOCS}/${encodeURIComponent(name)}` }));
  }

  // The Authorize dialog shows the credentials in use, and operations show a closed lock.
  function preauthorize(ui) {
    if (caller.apiKey) ui.preauthorizeApiKey("ApiKeyHeader", caller.apiKey);
    if (caller.sessionToken) ui.preauthorizeApiKey("SessionTokenHeader", caller.sessionToken);
  }

  function startSwaggerUi(urls) {
    const ui = window.SwaggerUIBundle({
      dom_id: "#swagger-ui",
      urls,
      "urls.primaryName": urls[0].name,
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      deepLinking: true,
      displayRequestDuration: true,
      // No call to validator.swagger.io, and no document named by the page's query string.
      validatorUrl: null,
      queryConfigEnabled: false,
      requestInterceptor: addCredentials,
      onComplete: () => preauthorize(ui),
    });
    window.ui = ui;
  }

  function showProblem(message) {
    const problem = byId("problem");
    problem.textContent = message;
    problem.hidden = !message;
  }

  function showSignedIn() {
    const who = caller.label
      ? `Signed in as ${caller.label}`
      : `API key …${caller.apiKey.slice(-6)}`;
    byId("signed-in").textContent = caller.label && caller.apiKey ? `${who} with an API key` : who;
    byId("signed-in").hidden = false;
    byId("sign-out").hidden = false;
    byId("credentials").hidden = true;
  }

  async function open(event) {
    event.preventDefault();
    showProblem("");
    const form = event.target;
    const email = form.email.value.trim();
    const password = form.password.value;
    caller.apiKey = form.api_key.value.trim();
    caller.sessionToken = "";
    caller.label = "";
    if (!caller.apiKey && !email) {
      showProblem("Enter an API key, or sign in with an email and a password.");
      return;
    }
    byId("open-docs").disabled = true;
    try {
      const isAdmin = email ? await signIn(email, password, form.account.value) : false;
      form.password.value = "";
      const urls = await definitions(isAdmin);
      if (urls.length === 0) {
        // An unknown key is not an error for `as_list`: it just reaches nothing.
        showProblem(
          caller.sessionToken
            ? "Your role reaches no service with API docs."
            : "This API key reaches no service with API docs: check the key, and that its app is active and has a role.",
        );
        return;
      }
      showSignedIn();
      startSwaggerUi(urls);
    } catch (error) {
      showProblem(error.message);
    } finally {
      byId("open-docs").disabled = false;
    }
  }

  async function signOut() {
    if (caller.sessionToken) {
      try {
        await call("DELETE", caller.sessionUrl);
      } catch (_) {
        // an expired session is signed out anyway
      }
    }
    window.location.reload();
  }

  byId("credentials").addEventListener("submit", open);
  byId("sign-out").addEventListener("click", signOut);
})();
