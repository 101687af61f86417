// The account app: a newcomer's way to click through every flow of the API in a browser.
// Plain TypeScript, no framework; every call goes through the generated typed client
// (clients/typescript), so a change of the API that breaks this app fails its type check.
import zxcvbn from "zxcvbn";
import {
  createStarterClient,
  type ApiError,
  type Schemas,
  type Session,
  type User,
  type ValidationError,
} from "../../clients/typescript/src/index";

const api = createStarterClient("");
const tokenKey = "starter.token";
api.useToken(sessionStorage.getItem(tokenKey));

const main = document.getElementById("main") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const meta = (name: string) => document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? "";
// The sign-in providers on, as the server names and shows them: "google:Google,github:GitHub".
const providerLabels = new Map(
  meta("starter-providers")
    .split(",")
    .filter((p) => p && !p.startsWith("{{"))
    .map((p) => [p.split(":")[0], p.split(":")[1] || p.split(":")[0]] as const),
);
const providers = [...providerLabels.keys()];
const providerLabel = (p: string) => providerLabels.get(p) ?? p;
// Social sign-in starts and ends on this server's public origin: its cookie lives there.
const publicUrl = meta("starter-public-url").startsWith("http") ? meta("starter-public-url") : location.origin;
const passkeyDomain = meta("starter-passkey-rp-id");
// The languages emails come in, each shown in its own language ("Deutsch").
const locales = meta("starter-locales").split(",").filter((l) => l && !l.startsWith("{{"));
const languageName = (code: string) => new Intl.DisplayNames([code], { type: "language" }).of(code) ?? code;

// ---- small helpers -------------------------------------------------------------------

function esc(text: unknown): string {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function signedIn(): boolean {
  return sessionStorage.getItem(tokenKey) !== null;
}

function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(tokenKey, token);
  else {
    sessionStorage.removeItem(tokenKey);
    sessionStorage.removeItem("starter.breached");
  }
  api.useToken(token);
}

function go(route: string): void {
  if (location.hash === route) void show();
  else location.hash = route;
}

function page(title: string, body: string): void {
  document.title = `${title} · ${document.title.split(" · ").pop()}`;
  main.innerHTML = `<h1>${esc(title)}</h1>${body}`;
  main.focus();
  nav.innerHTML = signedIn()
    ? `<a href="#/">Account</a> <a href="#/signout" id="signout">Sign out</a>`
    : `<a href="#/signin">Sign in</a> <a href="#/signup">Create an account</a>`;
}

// A labelled input with the slot its error goes in. `id` differs from `name` when two forms
// of a page have a field of the same name.
function field(name: string, label: string, type = "text", extra = "", id = `f-${name}`): string {
  return `<label for="${id}">${esc(label)}
    <input id="${id}" name="${name}" type="${type}" ${extra} aria-describedby="${id}-error">
    <span class="field-error" id="${id}-error" data-error-for="${name}" role="alert"></span></label>`;
}

type Problem = ApiError | ValidationError | undefined;

// Shows an API error: next to its field when it names one (422 `errors`, 400 `field`),
// above the form otherwise.
function showProblem(form: HTMLFormElement, problem: Problem, fallback = "Something went wrong"): void {
  const alert = form.querySelector(".alert.error") as HTMLElement;
  let placed = false;
  const mark = (name: string, message: string) => {
    const input = form.querySelector(`[name="${name}"]`) as HTMLInputElement | null;
    const slot = form.querySelector(`[data-error-for="${name}"]`) as HTMLElement | null;
    if (!input || !slot) return false;
    input.setAttribute("aria-invalid", "true");
    slot.textContent = message;
    return true;
  };
  if (problem && "errors" in problem && Array.isArray(problem.errors)) {
    for (const e of problem.errors) placed = mark(String(e.loc[e.loc.length - 1]), e.msg) || placed;
  } else if (problem && "field" in problem && problem.field) {
    const feedback = "feedback" in problem && problem.feedback ? problem.feedback : undefined;
    const extra = feedback?.warning ? ` ${feedback.warning}.` : "";
    placed = mark(problem.field, problem.message + extra);
  }
  if (!placed) {
    alert.textContent = problem?.message ?? fallback;
    alert.hidden = false;
  }
}

// Wires a form: clears old errors, disables the button while `submit` runs, shows errors.
function onSubmit(form: HTMLFormElement, submit: (values: Record<string, string>) => Promise<Problem | void>): void {
  form.insertAdjacentHTML("afterbegin", `<div class="alert error" role="alert" hidden></div>`);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    (form.querySelector(".alert.error") as HTMLElement).hidden = true;
    const button = form.querySelector("button[type=submit]") as HTMLButtonElement;
    button.disabled = true;
    try {
      const values: Record<string, string> = {};
      new FormData(form).forEach((v, k) => (values[k] = String(v)));
      const problem = await submit(values);
      if (problem) showProblem(form, problem);
    } catch {
      showProblem(form, undefined, "The server could not be reached");
    } finally {
      button.disabled = false;
    }
  });
}

function form(id: string): HTMLFormElement {
  return document.getElementById(id) as HTMLFormElement;
}

// Live password strength, the same zxcvbn 4.4 the server scores with (3 or more passes).
function strengthMeter(input: HTMLInputElement, others: () => string[]): void {
  const meter = document.createElement("div");
  meter.innerHTML = `<div class="meter" aria-hidden="true"><span></span></div><span class="hint" aria-live="polite"></span>`;
  input.insertAdjacentElement("afterend", meter);
  const bar = meter.querySelector(".meter > span") as HTMLElement;
  const hint = meter.querySelector(".hint") as HTMLElement;
  input.addEventListener("input", () => {
    if (!input.value) {
      bar.style.width = "0";
      hint.textContent = "";
      return;
    }
    const r = zxcvbn(input.value.slice(0, 128), others());
    bar.style.width = `${(r.score + 1) * 20}%`;
    bar.style.background = r.score >= 3 ? "var(--good)" : "var(--bad)";
    const advice = [r.feedback.warning, ...r.feedback.suggestions].filter(Boolean).join(" ");
    hint.textContent = r.score >= 3 ? "Strong enough." : `Too easy to guess. ${advice}`;
  });
}

type SignInAnswer = ({ authentication_token: string } | { mfa_ticket: string; methods: string[] }) & {
  password_breach_count?: number;
};

function signedInWith(data: SignInAnswer): void {
  // The password just used is a breached one: the account page asks to change it.
  if (data.password_breach_count) sessionStorage.setItem("starter.breached", String(data.password_breach_count));
  if ("authentication_token" in data) {
    setToken(data.authentication_token);
    go("#/");
  } else {
    sessionStorage.setItem("starter.mfa_ticket", data.mfa_ticket);
    sessionStorage.setItem("starter.mfa_methods", data.methods.join(","));
    go("#/mfa");
  }
}

// ---- passkeys (WebAuthn) ---------------------------------------------------------------
// The server speaks WebAuthn's JSON forms (binary members as base64url); these turn them
// into what navigator.credentials takes and back, in every browser that has passkeys.

// Passkeys work on pages of the server's relying-party domain only (never on an IP address).
function passkeysHere(): boolean {
  const host = location.hostname;
  return "PublicKeyCredential" in window && passkeyDomain !== "" && (host === passkeyDomain || host.endsWith(`.${passkeyDomain}`));
}

// Where passkeys would work, when this page is not there (127.0.0.1 instead of localhost).
function passkeyHint(): string {
  if (passkeysHere() || !("PublicKeyCredential" in window) || !passkeyDomain) return "";
  const there = new URL(publicUrl);
  const onDomain = there.hostname === passkeyDomain || there.hostname.endsWith(`.${passkeyDomain}`);
  return onDomain
    ? `<p class="muted">Passkeys work on ${esc(passkeyDomain)}: open <a href="${esc(`${there.origin}/account`)}">${esc(`${there.origin}/account`)}</a>.</p>`
    : "";
}

function bytes(base64url: string): ArrayBuffer {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out.buffer;
}

function base64url(data: ArrayBuffer | null): string | undefined {
  if (!data) return undefined;
  let text = "";
  for (const b of new Uint8Array(data)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

type Json = Record<string, unknown>;
type Descriptor = { id: string; type: string; transports?: string[] };
const descriptors = (list: unknown) =>
  ((list as Descriptor[] | undefined) ?? []).map((d) => ({ ...d, id: bytes(d.id) }) as PublicKeyCredentialDescriptor);

// Asks the browser for a new passkey for the creation options; its answer as JSON.
async function createPasskey(options: Json): Promise<Json> {
  const user = options.user as Json;
  const publicKey = {
    ...options,
    challenge: bytes(String(options.challenge)),
    user: { ...user, id: bytes(String(user.id)) },
    excludeCredentials: descriptors(options.excludeCredentials),
  } as unknown as PublicKeyCredentialCreationOptions;
  const made = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
  const response = made.response as AuthenticatorAttestationResponse;
  return credentialJson(made, {
    clientDataJSON: base64url(response.clientDataJSON),
    attestationObject: base64url(response.attestationObject),
    transports: response.getTransports?.() ?? [],
  });
}

// A credential as PublicKeyCredential.toJSON() gives it, around its `response` members.
function credentialJson(credential: PublicKeyCredential, response: Json): Json {
  return {
    id: credential.id,
    rawId: base64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response,
  };
}

// Asks the browser to sign the request options' challenge with a passkey; its answer as JSON.
async function usePasskey(options: Json): Promise<Json> {
  const publicKey = {
    ...options,
    challenge: bytes(String(options.challenge)),
    allowCredentials: descriptors(options.allowCredentials),
  } as unknown as PublicKeyCredentialRequestOptions;
  const used = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
  const response = used.response as AuthenticatorAssertionResponse;
  return credentialJson(used, {
    clientDataJSON: base64url(response.clientDataJSON),
    authenticatorData: base64url(response.authenticatorData),
    signature: base64url(response.signature),
    userHandle: base64url(response.userHandle),
  });
}

// The browser's own refusal (the person cancelled, no passkey here) as an error to show.
function passkeyProblem(e: unknown): ApiError {
  const name = e instanceof DOMException ? e.name : "";
  const message =
    name === "NotAllowedError"
      ? "No passkey was used (cancelled, or none for this site on this device)."
      : name === "InvalidStateError"
        ? "This device already holds a passkey for your account."
        : `The browser could not use a passkey${e instanceof Error ? `: ${e.message}` : ""}.`;
  return { code: "invalid_input", message } as ApiError;
}

// Gets request options (for `mfa_ticket`'s sign-in, or unbound) and a signed answer for them.
async function assertion(mfa_ticket?: string): Promise<{ credential?: Json; problem?: Problem }> {
  const options = await api.POST("/api/auth/passkey/options", { body: mfa_ticket ? { mfa_ticket } : {} });
  if (options.error) return { problem: options.error };
  try {
    return { credential: await usePasskey(options.data) };
  } catch (e) {
    return { problem: passkeyProblem(e) };
  }
}

// ---- pages ---------------------------------------------------------------------------

function signInPage(): void {
  const social = providers
    .map((p) => {
      const start = `${publicUrl}/api/oauth/${encodeURIComponent(p)}/login?redirect_to=${encodeURIComponent(`${publicUrl}/account`)}`;
      return `<a class="button secondary" href="${esc(start)}">Continue with ${esc(providerLabel(p))}</a>`;
    })
    .join("");
  const passkey = passkeysHere() ? `<form id="passkey-signin"><button type="submit" class="secondary">Sign in with a passkey</button></form>` : "";
  page(
    "Sign in",
    `<section><form id="signin" novalidate>
      ${field("login", "Email or username", "text", 'autocomplete="username" required')}
      ${field("password", "Password", "password", 'autocomplete="current-password" required')}
      <button type="submit">Sign in</button></form>
      ${social || passkey ? `<p class="muted">or</p><div class="providers">${passkey}${social}</div>` : ""}
      ${passkeyHint()}
      <p><a href="#/reset">Forgot your password?</a> · <a href="#/signup">Create an account</a></p></section>`,
  );
  onSubmit(form("signin"), async (v) => {
    const { data, error } = await api.POST("/api/auth/login", { body: { login: v.login, password: v.password } });
    if (error) return error;
    signedInWith(data);
  });
  if (passkey)
    onSubmit(form("passkey-signin"), async () => {
      const { credential, problem } = await assertion();
      if (!credential) return problem;
      const { data, error } = await api.POST("/api/auth/passkey/login", { body: { credential } });
      if (error) return error;
      signedInWith(data);
    });
}

function mfaPage(): void {
  const methods = (sessionStorage.getItem("starter.mfa_methods") ?? "").split(",");
  const passkey = methods.includes("passkey") && passkeysHere();
  const totp = methods.includes("totp");
  const mfa_ticket = sessionStorage.getItem("starter.mfa_ticket") ?? "";
  page(
    "Second factor",
    `<section>${passkey ? `<form id="mfa-passkey"><button type="submit">Use a passkey</button></form><p class="muted">or</p>` : ""}
      <p>Enter ${totp ? "the code your authenticator app shows, or " : ""}one of your recovery codes.</p>
      <form id="mfa" novalidate>
      ${totp ? field("totp_code", "Authenticator code", "text", 'inputmode="numeric" autocomplete="one-time-code"') : ""}
      ${field("recovery_code", totp ? "or a recovery code" : "A recovery code", "text", 'autocomplete="off"')}
      <button type="submit">Continue</button></form>
      ${methods.includes("passkey") ? passkeyHint() : ""}</section>`,
  );
  const finish = (data: SignInAnswer) => {
    sessionStorage.removeItem("starter.mfa_ticket");
    signedInWith(data);
  };
  if (passkey)
    onSubmit(form("mfa-passkey"), async () => {
      const { credential, problem } = await assertion(mfa_ticket);
      if (!credential) return problem;
      const { data, error } = await api.POST("/api/auth/login/mfa", { body: { mfa_ticket, passkey: credential } });
      if (error) return error;
      finish(data);
    });
  onSubmit(form("mfa"), async (v) => {
    const body = v.totp_code ? { mfa_ticket, totp_code: v.totp_code } : { mfa_ticket, recovery_code: v.recovery_code };
    const { data, error } = await api.POST("/api/auth/login/mfa", { body });
    if (error) return error;
    finish(data);
  });
}

function signUpPage(): void {
  page(
    "Create an account",
    `<section><h2>1. Your email</h2><form id="request" novalidate>
      ${field("email", "Email", "email", 'autocomplete="email" required')}
      <button type="submit">Email me a code</button></form></section>
     <section id="step2" hidden><h2>2. The code we sent, and your account</h2>
      <p class="muted">Running locally? Read the email at <a href="/dev/mail" target="_blank">/dev/mail</a>.</p>
      <form id="register" novalidate>
      ${field("email_verification_code", "8-digit code", "text", 'inputmode="numeric" autocomplete="one-time-code"')}
      ${field("username", "Username", "text", 'autocomplete="username"')}
      ${field("password", "Password", "password", 'autocomplete="new-password"')}
      <button type="submit">Create the account</button></form></section>`,
  );
  let email = "";
  onSubmit(form("request"), async (v) => {
    const { error } = await api.POST("/api/auth/email-verification-request", { body: { email: v.email } });
    if (error) return error;
    email = v.email;
    (document.getElementById("step2") as HTMLElement).hidden = false;
    (document.getElementById("f-email_verification_code") as HTMLInputElement).focus();
  });
  const password = document.getElementById("f-password") as HTMLInputElement;
  strengthMeter(password, () => [email, (document.getElementById("f-username") as HTMLInputElement).value]);
  onSubmit(form("register"), async (v) => {
    const { data, error } = await api.POST("/api/auth/register", {
      body: { email, email_verification_code: v.email_verification_code, username: v.username, password: v.password },
    });
    if (error) return error;
    signedInWith(data);
  });
}

function resetPage(): void {
  page(
    "Reset your password",
    `<section><form id="request" novalidate>${field("email", "Email", "email", 'autocomplete="email"')}
      <button type="submit">Email me a code</button></form></section>
     <section id="step2" hidden><form id="reset" novalidate>
      ${field("reset_code", "8-digit code", "text", 'inputmode="numeric" autocomplete="one-time-code"')}
      ${field("new_password", "New password", "password", 'autocomplete="new-password"')}
      <button type="submit">Set the new password</button></form></section>`,
  );
  let email = "";
  onSubmit(form("request"), async (v) => {
    const { error } = await api.POST("/api/auth/reset-password-request", { body: { email: v.email } });
    if (error) return error;
    email = v.email;
    (document.getElementById("step2") as HTMLElement).hidden = false;
  });
  strengthMeter(document.getElementById("f-new_password") as HTMLInputElement, () => [email]);
  onSubmit(form("reset"), async (v) => {
    const { error } = await api.POST("/api/auth/reset-password", {
      body: { email, reset_code: v.reset_code, new_password: v.new_password },
    });
    if (error) return error;
    main.insertAdjacentHTML("afterbegin", `<div class="alert ok" role="status">Your password was reset. Sign in with it.</div>`);
    setTimeout(() => go("#/signin"), 1500);
  });
}

// The sessions still signed in (the list also holds ended ones, with logged_out_at).
function sessionRows(sessions: Session[]): string {
  return sessions
    .filter((s) => !s.logged_out_at)
    .map((s) => {
      const where = s.location && typeof s.location === "object" ? [s.location.city, s.location.country].filter(Boolean).join(", ") : "";
      return `<tr data-session="${esc(s.id)}"><td>${esc(s.device)}${s.is_current ? ' <strong>(this one)</strong>' : ""}</td>
        <td>${esc(s.ip_address)}${where ? `<br><span class="muted">${esc(where)}</span>` : ""}</td>
        <td>${esc(new Date(s.last_active_at).toLocaleString())}</td>
        <td>${s.is_current ? "" : `<button class="danger" data-revoke="${esc(s.id)}">Revoke</button>`}</td></tr>`;
    })
    .join("");
}

// Set at sign-in when the password used appears in known data breaches.
function breachedNotice(): string {
  const count = Number(sessionStorage.getItem("starter.breached") ?? 0);
  return count
    ? `<div class="alert error" role="alert" id="breached">Your password appears in known data breaches (seen ${esc(
        count.toLocaleString("en"),
      )} times). It was not leaked here, but attackers try such passwords everywhere: change it now.</div>`
    : "";
}

async function accountPage(): Promise<void> {
  const me = await api.GET("/api/users/@me");
  if (me.error || !me.data) {
    setToken(null);
    return go("#/signin");
  }
  const user: User = me.data;
  // Everything above the fold arrives before the page is drawn: a section that filled in
  // later would push the ones below it down, under a pointer about to click them.
  const [sessions, secondFactor] = await Promise.all([api.GET("/api/auth/sessions"), secondFactorState()]);
  page(
    `Hello, ${user.username}`,
    `<section><h2>Profile</h2><p>${esc(user.email)} · member since ${esc(new Date(user.created_at).toLocaleDateString())}</p>
      <form id="username" novalidate>${field("username", "Username", "text", `value="${esc(user.username)}"`)}
      <label for="f-locale">Language of your emails
        <select id="f-locale" name="locale">${locales
          .map((l) => `<option value="${esc(l)}"${l === user.locale ? " selected" : ""}>${esc(languageName(l))}</option>`)
          .join("")}</select></label>
      <button type="submit">Save</button></form>
      <p><button class="secondary" id="export">Download my data</button></p><div id="export-step"></div></section>
     <section><h2>Sessions</h2><table><thead><tr><th>Device</th><th>Where</th><th>Last active</th><th></th></tr></thead>
      <tbody id="sessions">${sessionRows(sessions.data ?? [])}</tbody></table>
      <p><button class="danger" id="revoke-others">Sign out everywhere else</button></p><div id="revoke-step"></div></section>
     <section><h2>${user.has_password ? "Change your password" : "Set a password"}</h2>${breachedNotice()}<form id="password" novalidate>
      ${user.has_password ? field("current_password", "Current password", "password", 'autocomplete="current-password"') : ""}
      ${field("new_password", "New password", "password", 'autocomplete="new-password"')}
      <button type="submit">${user.has_password ? "Change" : "Set"} the password</button></form></section>
     <section><h2>Change your email</h2><form id="email-request" novalidate>
      ${field("email", "New email", "email", 'autocomplete="email"')}
      ${user.has_password ? field("current_password", "Current password", "password", 'autocomplete="current-password"', "f-email-current_password") : ""}
      <button type="submit">Email a code to the new address</button></form>
      <form id="email-confirm" novalidate hidden>${field("email_verification_code", "8-digit code", "text", 'inputmode="numeric"')}
      <button type="submit">Confirm the new email</button></form></section>
     <section id="second-factor"><h2>Second factor</h2><div id="mfa-status"></div></section>
     ${providers.length ? `<section><h2>Sign-in providers</h2><div id="providers">${providerRows(user)}</div></section>` : ""}
     <section><h2>Delete your account</h2><p>Every session ends at once; your data is erased after a grace period,
      during which signing in keeps the account.</p>
      <p><button class="danger" id="delete-account">Delete my account</button></p><div id="delete-step"></div></section>
     <section><h2>Security activity</h2><ol id="activity" class="activity"></ol>
      <p><button class="secondary" id="more-activity" hidden>Older</button></p></section>`,
  );
  showSecondFactor(user, secondFactor);
  void activitySection();
  wireProviders();
  const done = (id: string, text: string) =>
    form(id).insertAdjacentHTML("beforebegin", `<div class="alert ok" role="status">${esc(text)}</div>`);
  onSubmit(form("username"), async (v) => {
    const { error } = await api.PATCH("/api/users/@me", {
      body: { username: v.username, locale: v.locale as NonNullable<Schemas["UpdateUserRequest"]["locale"]> },
    });
    if (error) return error;
    done("username", "Saved.");
  });
  const tbody = document.getElementById("sessions") as HTMLElement;
  tbody.addEventListener("click", async (event) => {
    const id = (event.target as HTMLElement).getAttribute("data-revoke");
    if (!id) return;
    const { error } = await api.DELETE("/api/auth/sessions/{session_id}", { params: { path: { session_id: id } } });
    if (!error) tbody.querySelector(`[data-session="${CSS.escape(id)}"]`)?.remove();
  });
  document.getElementById("export")?.addEventListener("click", async () => {
    const { data } = await withRecentSignIn(() => api.GET("/api/users/@me/export"), document.getElementById("export-step") as HTMLElement);
    if (!data) return;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    link.download = `${user.username}-account.json`;
    link.click();
    URL.revokeObjectURL(link.href);
    (document.getElementById("export-step") as HTMLElement).innerHTML = `<div class="alert ok" role="status">Downloaded.</div>`;
  });
  document.getElementById("delete-account")?.addEventListener("click", async () => {
    if (!confirm(`Delete the account ${user.username}? Every session ends now.`)) return;
    const { data } = await withRecentSignIn(() => api.DELETE("/api/users/@me"), document.getElementById("delete-step") as HTMLElement);
    if (!data) return;
    setToken(null);
    page(
      "Account deleted",
      `<section><p id="deleted">${
        data.erase_at
          ? `Your account will be erased on ${esc(new Date(data.erase_at).toLocaleString())}. Sign in before then to keep it.`
          : "Your account and its data were erased."
      }</p></section>`,
    );
  });
  document.getElementById("revoke-others")?.addEventListener("click", async () => {
    const step = document.getElementById("revoke-step") as HTMLElement;
    const { data } = await withRecentSignIn(() => api.POST("/api/auth/sessions/revoke-others"), step);
    if (!data) return;
    await accountPage();
    (document.getElementById("revoke-step") as HTMLElement).innerHTML =
      `<div class="alert ok" role="status">${data.revoked} other session${data.revoked === 1 ? "" : "s"} ended.</div>`;
  });
  strengthMeter(document.getElementById("f-new_password") as HTMLInputElement, () => [user.email, user.username]);
  onSubmit(form("password"), async (v) => {
    const body = user.has_password ? { current_password: v.current_password, new_password: v.new_password } : { new_password: v.new_password };
    const { error } = await api.PATCH("/api/users/@me/password", { body });
    if (error) return error;
    sessionStorage.removeItem("starter.breached");
    await accountPage();  // the other sessions are gone from the list too
    done("password", "Your password was changed; your other sessions ended.");
  });
  let newEmail = "";
  onSubmit(form("email-request"), async (v) => {
    const body = user.has_password ? { email: v.email, current_password: v.current_password } : { email: v.email };
    const { error } = await api.POST("/api/users/@me/email-change-request", { body });
    if (error) return error;
    newEmail = v.email;
    form("email-confirm").hidden = false;
  });
  onSubmit(form("email-confirm"), async (v) => {
    const { error } = await api.PATCH("/api/users/@me/email", {
      body: { email: newEmail, email_verification_code: v.email_verification_code },
    });
    if (error) return error;
    void accountPage();
  });
}

// Runs a call that may need a recent sign-in: on 403 reauthentication_required it asks for
// the password, an authenticator code or a passkey, proves it, and runs the call again.
let factors = { totp: false, passkeys: 0 };
async function withRecentSignIn<T extends { error?: unknown }>(call: () => Promise<T>, where: HTMLElement): Promise<T> {
  const first = await call();
  const problem = first.error as ApiError | undefined;
  if (problem?.code !== "reauthentication_required") return first;
  const passkey = factors.passkeys > 0 && passkeysHere();
  return new Promise<T>((resolve) => {
    where.innerHTML = `<p>For this, confirm it is you.</p>
      ${passkey ? `<form id="reauth-passkey"><button type="submit">Confirm with a passkey</button></form><p class="muted">or</p>` : ""}
      <form id="reauth" novalidate>
      ${field("password", "Your password", "password", 'autocomplete="current-password"', "f-reauth-password")}
      ${factors.totp ? field("totp_code", "or your authenticator code", "text", 'inputmode="numeric" autocomplete="one-time-code"', "f-reauth-totp") : ""}
      <button type="submit">Confirm</button></form>`;
    onSubmit(form("reauth"), async (v) => {
      const body = v.totp_code ? { totp_code: v.totp_code } : { password: v.password };
      const { error } = await api.POST("/api/auth/reauthenticate", { body });
      if (error) return error;
      resolve(await call());
    });
    if (passkey)
      onSubmit(form("reauth-passkey"), async () => {
        const { credential, problem } = await assertion();
        if (!credential) return problem;
        const { error } = await api.POST("/api/auth/reauthenticate", { body: { passkey: credential } });
        if (error) return error;
        resolve(await call());
      });
  });
}

function recoveryCodesHtml(codes: string[]): string {
  return `<div class="alert ok" role="status">Keep these recovery codes somewhere safe: each signs you in once
    if you lose your authenticator app or passkeys. They are shown only now.</div>
    <ol id="recovery-codes">${codes.map((c) => `<li><code>${esc(c)}</code></li>`).join("")}</ol>`;
}

const when = (ms: string | null | undefined) => (ms ? esc(new Date(ms).toLocaleString()) : "never");

// The second factors: the authenticator app (QR code, confirm with a code, recovery codes),
// passkeys (add, rename, remove) and new recovery codes.
type SecondFactorState = { status: Schemas["MfaStatus"] | undefined; passkeys: Schemas["Passkey"][] };
async function secondFactorState(): Promise<SecondFactorState> {
  const [status, list] = await Promise.all([api.GET("/api/users/@me/mfa"), api.GET("/api/users/@me/passkeys")]);
  return { status: status.data, passkeys: list.data ?? [] };
}

async function secondFactorSection(user: User): Promise<void> {
  showSecondFactor(user, await secondFactorState());
}

function showSecondFactor(user: User, state: SecondFactorState): void {
  const box = document.getElementById("mfa-status") as HTMLElement;
  if (!state.status) return;
  const { totp, passkeys, recovery_codes_left } = state.status;
  factors = { totp, passkeys };
  const on = totp || passkeys > 0;
  const rows = state.passkeys
    .map(
      (p) => `<tr data-passkey="${esc(p.id)}"><td>${esc(p.name)}</td><td>${when(p.created_at)}</td><td>${when(p.last_used_at)}</td>
        <td><button class="secondary" data-rename="${esc(p.id)}">Rename</button>
        <button class="danger" data-remove="${esc(p.id)}">Remove</button></td></tr>`,
    )
    .join("");
  box.innerHTML = `<p id="mfa-summary">${
    on
      ? `On: signing in asks for ${[totp && "your authenticator app", passkeys && "a passkey", "a recovery code"].filter(Boolean).join(", or ")}
         (${recovery_codes_left} left).`
      : "Off. An authenticator app (Google Authenticator, Aegis, 1Password…) or a passkey makes a stolen password useless on its own."
  }</p>
    <h3>Authenticator app</h3>
    <p>${totp ? `<button class="danger" id="remove-totp">Remove the authenticator app</button>` : `<button id="start-totp">Set up an authenticator app</button>`}</p>
    <h3>Passkeys</h3>
    ${rows ? `<table><thead><tr><th>Name</th><th>Added</th><th>Last used</th><th></th></tr></thead><tbody id="passkeys">${rows}</tbody></table>` : ""}
    ${
      passkeysHere()
        ? `<form id="add-passkey" novalidate>${field("name", "Name of the new passkey", "text", 'placeholder="This laptop" maxlength="64"', "f-passkey-name")}
           <button type="submit">Add a passkey</button></form>`
        : passkeyHint() || `<p class="muted">This browser cannot make passkeys.</p>`
    }
    ${on ? `<h3>Recovery codes</h3><p><button class="secondary" id="new-codes">New recovery codes</button></p>` : ""}
    <div id="mfa-step"></div>`;
  const step = document.getElementById("mfa-step") as HTMLElement;
  document.getElementById("start-totp")?.addEventListener("click", async () => {
    const started = await withRecentSignIn(() => api.POST("/api/users/@me/mfa/totp"), step);
    if (!started.data) return;
    const qr = `data:image/svg+xml;base64,${btoa(started.data.qr_svg)}`;
    step.innerHTML = `<p>Scan this with your authenticator app, or type the key.</p>
      <img src="${qr}" alt="QR code of the authenticator key" width="200" height="200">
      <p>Key: <code id="totp-secret">${esc(started.data.secret)}</code></p>
      <form id="confirm-totp" novalidate>${field("code", "The 6-digit code it shows", "text", 'inputmode="numeric" autocomplete="one-time-code"')}
      <button type="submit">Turn it on</button></form>`;
    onSubmit(form("confirm-totp"), async (v) => {
      const { data, error } = await api.POST("/api/users/@me/mfa/totp/confirm", { body: { code: v.code } });
      if (error) return error;
      await secondFactorSection(user);
      if (data.recovery_codes.length)
        (document.getElementById("mfa-step") as HTMLElement).innerHTML = recoveryCodesHtml(data.recovery_codes);
    });
  });
  document.getElementById("new-codes")?.addEventListener("click", async () => {
    const fresh = await withRecentSignIn(() => api.POST("/api/users/@me/mfa/recovery-codes"), step);
    if (fresh.data) step.innerHTML = recoveryCodesHtml(fresh.data.recovery_codes);
  });
  document.getElementById("remove-totp")?.addEventListener("click", async () => {
    const removed = await withRecentSignIn(() => api.DELETE("/api/users/@me/mfa/totp"), step);
    if (!removed.error) await secondFactorSection(user);
  });
  if (passkeysHere())
    onSubmit(form("add-passkey"), async (v) => {
      const options = await withRecentSignIn(() => api.POST("/api/users/@me/passkeys/options"), step);
      if (options.error) return options.error;
      let credential: Json;
      try {
        credential = await createPasskey(options.data);
      } catch (e) {
        return passkeyProblem(e);
      }
      const name = v.name.trim() || undefined;
      const { error } = await api.POST("/api/users/@me/passkeys", { body: { credential, name } });
      if (error) return error;
      await secondFactorSection(user);
    });
  document.getElementById("passkeys")?.addEventListener("click", async (event) => {
    const target = event.target as HTMLElement;
    const renaming = target.getAttribute("data-rename");
    const removing = target.getAttribute("data-remove");
    if (renaming) {
      const name = prompt("New name of the passkey")?.trim();
      if (!name) return;
      const { error } = await api.PATCH("/api/users/@me/passkeys/{passkey_id}", {
        params: { path: { passkey_id: renaming } },
        body: { name },
      });
      if (!error) await secondFactorSection(user);
    } else if (removing) {
      const removed = await withRecentSignIn(
        () => api.DELETE("/api/users/@me/passkeys/{passkey_id}", { params: { path: { passkey_id: removing } } }),
        step,
      );
      if (!removed.error) await secondFactorSection(user);
    }
  });
}

// What each security event means to the account's owner (every kind must have one: the
// compiler checks this against the API's list).
type SecurityEvent = Schemas["SecurityEvent"];
const eventText: Record<SecurityEvent["kind"], (d: Record<string, unknown>) => string> = {
  registered: (d) => `Account created${d.method && d.method !== "password" ? ` with ${d.method}` : ""}`,
  signed_in: (d) => `Signed in with ${d.method}${d.second_factor ? ` and ${factorName(d.second_factor)}` : ""}`,
  sign_in_failed: (d) => `Failed sign-in (wrong ${factorName(d.method)})`,
  signed_out: () => "Signed out",
  reauthenticated: (d) => `Confirmed it was you with ${factorName(d.method)}`,
  session_revoked: () => "Ended a session",
  other_sessions_revoked: (d) => `Signed out everywhere else (${d.count} session${d.count === 1 ? "" : "s"})`,
  password_changed: (d) => (d.first ? "Password set" : "Password changed"),
  password_reset_requested: () => "Password reset code requested",
  password_reset: () => "Password reset",
  email_change_requested: () => "Email change requested",
  email_changed: () => "Email changed",
  second_factor_added: (d) => `Added ${factorName(d.factor)}${d.name ? ` “${d.name}”` : ""}`,
  second_factor_removed: (d) => `Removed ${factorName(d.factor)}${d.name ? ` “${d.name}”` : ""}`,
  recovery_codes_renewed: () => "New recovery codes",
  account_deletion_requested: () => "Deletion of the account asked for",
  account_deletion_cancelled: () => "Deletion cancelled by signing in",
  account_deleted: () => "Account deleted",
  account_disabled: () => "Account disabled by an administrator",
  account_enabled: () => "Account enabled by an administrator",
  signed_out_everywhere: (d) => `Signed out everywhere by an administrator (${d.count} session${d.count === 1 ? "" : "s"})`,
  role_changed: (d) => `Role changed to ${d.role}`,
  provider_linked: (d) => `Linked ${providerLabel(String(d.provider))}${d.email ? ` (${d.email})` : ""}`,
  provider_unlinked: (d) => `Unlinked ${providerLabel(String(d.provider))}`,
  breached_password_used: () => "Signed in with a password found in data breaches",
};

function factorName(factor: unknown): string {
  const names: Record<string, string> = {
    totp: "the authenticator app",
    recovery_code: "a recovery code",
    passkey: "a passkey",
    password: "password",
  };
  return names[String(factor)] ?? String(factor);
}

// The newest events, and older ones page by page.
async function activitySection(cursor?: string): Promise<void> {
  const list = document.getElementById("activity") as HTMLElement;
  const more = document.getElementById("more-activity") as HTMLButtonElement;
  const { data } = await api.GET("/api/users/@me/activity", { params: { query: { limit: "10", cursor } } });
  if (!data) return;
  list.insertAdjacentHTML(
    "beforeend",
    data.events
      .map((e) => {
        const where = e.location ? [e.location.city, e.location.country].filter(Boolean).join(", ") : "";
        return `<li data-kind="${esc(e.kind)}"><strong>${esc(eventText[e.kind](e.details))}</strong>
          <span class="muted">${esc(new Date(e.created_at).toLocaleString())} · ${esc(e.device)} · ${esc(e.ip_address)}${where ? ` · ${esc(where)}` : ""}</span></li>`;
      })
      .join(""),
  );
  more.hidden = !data.next_cursor;
  more.onclick = () => void activitySection(data.next_cursor ?? undefined);
}

async function signOut(): Promise<void> {
  await api.POST("/api/auth/logout");
  setToken(null);
  go("#/signin");
}

// ---- sign-in providers: link and unlink -------------------------------------------------

const linkErrors: Record<string, string> = {
  oauth_identity_in_use: "That account is already linked to another account here.",
  oauth_provider_already_linked: "Another account of that provider is linked already; unlink it first.",
};
let linkNotice = "";  // what the last link flow ended with (?linked= or ?error_code= on /account)

function providerRows(user: User): string {
  const notice = linkNotice ? `<div class="alert ${linkNotice.startsWith("!") ? "error" : "ok"}" role="status">${esc(linkNotice.replace(/^!/, ""))}</div>` : "";
  linkNotice = "";
  return `${notice}<table><tbody>${providers
    .map((p) => {
      const linked = user.linked_providers.find((l) => l.provider === p);
      return linked
        ? `<tr><td>${esc(providerLabel(p))}</td><td>${esc(linked.email ?? "")}</td><td><button class="secondary" data-unlink="${esc(p)}">Unlink</button></td></tr>`
        : `<tr><td>${esc(providerLabel(p))}</td><td class="muted">not linked</td><td><button class="secondary" data-link="${esc(p)}">Link</button></td></tr>`;
    })
    .join("")}</tbody></table><div id="provider-step"></div>`;
}

function wireProviders(): void {
  const box = document.getElementById("providers");
  if (!box) return;
  const step = () => document.getElementById("provider-step") as HTMLElement;
  box.querySelectorAll<HTMLButtonElement>("[data-link]").forEach((button) =>
    button.addEventListener("click", async () => {
      const provider = button.dataset.link as string;
      const { data, error } = await withRecentSignIn(
        () =>
          api.POST("/api/oauth/{provider}/link", {
            params: { path: { provider } },
            body: { redirect_to: `${publicUrl}/account` },
          }),
        step(),
      );
      if (data) location.href = data.authorization_url;  // the provider, then back here with ?linked=
      else if (error) step().innerHTML = `<div class="alert error" role="alert">${esc((error as ApiError).message)}</div>`;
    }),
  );
  box.querySelectorAll<HTMLButtonElement>("[data-unlink]").forEach((button) =>
    button.addEventListener("click", async () => {
      const provider = button.dataset.unlink as string;
      const { error } = await withRecentSignIn(
        () => api.DELETE("/api/oauth/{provider}/link", { params: { path: { provider } } }),
        step(),
      );
      if (error) {
        step().innerHTML = `<div class="alert error" role="alert">${esc((error as ApiError).message)}</div>`;
        return;
      }
      linkNotice = `${providerLabel(provider)} was unlinked.`;
      void accountPage();
    }),
  );
}

// A social sign-in comes back to /account?code=... (or ?error_code=...); a link flow with
// ?linked=<provider> (or ?error_code=...) while signed in.
async function finishSocialSignIn(): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  if (signedIn() && (params.get("linked") || params.get("error_code"))) {
    const linked = params.get("linked");
    const failed = params.get("error_code") ?? "";
    linkNotice = linked ? `${providerLabel(linked)} is linked: you can sign in with it.` : `!${linkErrors[failed] ?? "Linking failed; try again."}`;
    history.replaceState(null, "", "/account");
    return false;
  }
  const code = params.get("code");
  if (!code) return false;
  history.replaceState(null, "", "/account");
  const { data } = await api.POST("/api/oauth/token", { body: { code } });
  if (data) signedInWith(data);
  return data !== undefined;
}

async function show(): Promise<void> {
  const route = location.hash.replace(/^#/, "") || "/";
  if (route === "/signout") return signOut();
  if (route === "/signup") return signUpPage();
  if (route === "/reset") return resetPage();
  if (route === "/mfa") return mfaPage();
  if (route === "/signin" || !signedIn()) return signInPage();
  return accountPage();
}

window.addEventListener("hashchange", () => void show());
fetch("/dev/mail", { method: "HEAD" }).then((r) => {
  (document.getElementById("mailbox-link") as HTMLElement).hidden = !r.ok;
});
void finishSocialSignIn().then((handled) => {
  if (!handled) void show();
});
