// KLIK's portal page: plain JavaScript modules over klik serve's JSON API
// (docs/portal.md). Every rule is the server's: this page only shows what the API
// answers, and locks what the API's `rights` say the viewer may not change.
// The DOM is built with createElement and textContent only (no HTML from data).

const COLOURS = [
  ["green", "Grøn", "●"],
  ["yellow", "Gul", "▲"],
  ["red", "Rød", "■"],
  ["grey", "Grå", "○"],
  ["done", "Afsluttet", "✓"],
];
const STATUSES = [
  ["not_active", "Ikke aktiv"],
  ["not_started", "Ikke påbegyndt"],
  ["started", "Påbegyndt"],
  ["completed", "Afsluttet"],
];
const PRIORITIES = [
  ["critical_path", "Kritisk vej"],
  ["mandatory", "Obligatorisk"],
  ["recommended", "Anbefalet"],
  ["local", "Lokal"],
];
const CHIP_LABELS = {
  project: "Projekt", phase: "Fase", theme: "Tema", status: "Status", priority: "Prioritet",
  colour: "Farve", responsible: "Ansvarlig", performer: "Udfører", title: "Titel",
  end_from: "Slutdato fra", end_to: "Slutdato til",
};
const COLUMNS = [
  ["title", "Titel"], ["project", "Projekt"], ["phase", "Fase"], ["deadline", "Frist"],
  ["priority", "Prioritet"], ["status", "Status"], ["end_date", "Slutdato"],
  [null, "Ansvarlig"], [null, "Udfører"],
];

let me = null;  // GET /api/me
let csrf = "";
const main = document.getElementById("main");

// ---- helpers ------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false)
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

let idCounter = 0;
function labelled(text, control, locked = false) {
  const id = control.id || `f${++idCounter}`;
  control.id = id;
  if (locked) {
    control.disabled = true;
    control.title = "Du har ikke ret til at ændre dette felt";
  }
  return [h("label", { for: id, class: locked ? "lock" : null }, text), control];
}

/** A label and its control kept together (the filter panel's cells). */
function field(text, control) { return h("div", { class: "field" }, ...labelled(text, control)); }

function announce(text) { document.getElementById("status").textContent = text; }

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin" };
  if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && path !== "/api/session") {
    me = null;
    showLogin();
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, headers: res.headers };
}

function colourBadge(c) {
  const [code, label, symbol] = COLOURS.find(x => x[0] === c.code) || [c.code, c.label, "?"];
  return h("span", { class: `badge ${code}`, title: c.text || label }, `${symbol} ${label}`);
}

function personName(p) { return p ? p.name || p.email : "Ikke valgt"; }

function fail(err) {
  if (err instanceof ApiError && err.status === 401) return;
  main.replaceChildren(h("h1", {}, "Der skete en fejl"), h("p", { class: "error", role: "alert" }, err.message));
}

// ---- log in -------------------------------------------------------------------

function showLogin(message) {
  document.getElementById("top").hidden = true;
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "error", role: "alert" }, message || "");
  const form = h("form", { class: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Log ind i KLIK"),
    labelled("E-mail", email), labelled("Adgangskode", password),
    h("button", { type: "submit" }, "Log ind"), error);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    try {
      const { data } = await api("POST", "/api/session", { email: email.value, password: password.value });
      csrf = data.csrf_token;
      await start();
    } catch (err) {
      error.textContent = err.status === 429 ? "For mange forsøg. Vent lidt og prøv igen."
        : "Forkert e-mail eller adgangskode.";
    }
  });
  main.replaceChildren(form);
  email.focus();
}

async function start() {
  const { data } = await api("GET", "/api/me");
  me = data;
  csrf = data.csrf_token;
  document.getElementById("top").hidden = false;
  document.getElementById("who").replaceChildren(h("a", { href: "#/profil", title: "Min profil" },
    `${me.user.name}${me.user.municipality ? ", " + me.user.municipality.name : ""}`));
  for (const a of document.querySelectorAll("nav a[data-menu]"))
    a.hidden = !me.capabilities[a.dataset.menu];
  if (!location.hash) location.hash = "#/opgaver";
  else route();
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await api("DELETE", "/api/session"); } catch (err) { /* signed out either way */ }
  me = null;
  csrf = "";
  history.replaceState(null, "", "/");
  showLogin("Du er logget ud.");
});

// ---- the task list ------------------------------------------------------------

const filters = {
  project: "", phase: "", theme: "", status: [], priority: [], colour: [],
  responsible: "", performer: "", title: "", end_from: "", end_to: "",
};
let sort = { column: "end_date", descending: false };
let projectsCache = null;
let usersCache = null;

function quote(s) { return `"${String(s).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`; }

/** The filters as query text (docs/query.md). */
function queryText() {
  const parts = [];
  if (filters.project) parts.push(`project = ${filters.project}`);
  if (filters.project && filters.phase) parts.push(`phase = ${filters.phase}`);
  if (filters.project && filters.theme) parts.push(`theme = ${filters.theme}`);
  for (const f of ["status", "priority", "colour"])
    if (filters[f].length) parts.push(`${f} in (${filters[f].join(", ")})`);
  for (const f of ["responsible", "performer"]) {
    if (filters[f] === "empty") parts.push(`${f} is empty`);
    else if (filters[f]) parts.push(`${f} = ${filters[f]}`);
  }
  if (filters.title) parts.push(`title ~ ${quote(filters.title)}`);
  if (filters.end_from) parts.push(`end >= ${filters.end_from}`);
  if (filters.end_to) parts.push(`end <= ${filters.end_to}`);
  return parts.join(" and ") + ` order by ${sort.column}${sort.descending ? " desc" : ""}`;
}

async function projects() {
  if (!projectsCache) projectsCache = (await api("GET", "/api/projects")).data.projects;
  return projectsCache;
}
async function users() {
  if (!usersCache) usersCache = me.capabilities.national_views ? [] : (await api("GET", "/api/users")).data.users;
  return usersCache;
}

function checkboxes(legend, name, values) {
  return h("fieldset", {}, h("legend", {}, legend), values.map(([code, label]) => {
    const box = h("input", { type: "checkbox", name, value: code, checked: filters[name].includes(code) });
    return h("label", { class: "check" }, box, " ", label);
  }));
}

function select(name, options, value, disabled = false) {
  return h("select", { name, disabled },
    options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label)));
}

async function showTasks() {
  const [ps, us] = await Promise.all([projects(), users()]);
  const project = ps.find(p => String(p.id) === String(filters.project));
  const people = [["", "Alle"], ["empty", "Ikke valgt"], ...us.map(u => [u.id, u.name])];
  const form = h("form", { class: "filters", "aria-label": "Filtre" },
    field("Projekt", select("project", [["", "Alle projekter"], ...ps.map(p => [p.id, p.name])], filters.project)),
    field("Fase", select("phase", [["", project ? "Alle faser" : "Vælg først et projekt"],
      ...(project ? project.phases.map((n, i) => [i + 1, `${i + 1}. ${n}`]) : [])], filters.phase, !project)),
    field("Tema", select("theme", [["", project ? "Alle temaer" : "Vælg først et projekt"],
      ...(project ? project.themes.map((n, i) => [i + 1, n]) : [])], filters.theme, !project)),
    checkboxes("Status", "status", STATUSES),
    checkboxes("Prioritet", "priority", PRIORITIES),
    checkboxes("Farve", "colour", COLOURS),
    field("Ansvarlig", select("responsible", people, filters.responsible)),
    field("Udfører", select("performer", people, filters.performer)),
    field("Slutdato fra", h("input", { type: "date", name: "end_from", value: filters.end_from })),
    field("Slutdato til", h("input", { type: "date", name: "end_to", value: filters.end_to })),
    field("Titel indeholder", h("input", { type: "search", name: "title", value: filters.title })),
    h("div", { class: "actions" },
      h("button", { type: "submit" }, "Søg"),
      h("button", { type: "button", onclick: () => { resetFilters(); showTasks().catch(fail); } }, "Nulstil")));
  form.addEventListener("change", ev => {
    if (ev.target.name === "project") {
      readForm(form);
      filters.phase = filters.theme = "";
      showTasks().catch(fail);
    }
  });
  form.addEventListener("submit", ev => {
    ev.preventDefault();
    readForm(form);
    showTasks().catch(fail);
  });
  const results = h("div", { id: "results" });
  main.replaceChildren(h("h1", {}, "Opgaver"), form, results);
  await loadResults(results);
}

function readForm(form) {
  const data = new FormData(form);
  for (const k of ["project", "phase", "theme", "responsible", "performer", "title", "end_from", "end_to"])
    filters[k] = data.get(k) || "";
  for (const k of ["status", "priority", "colour"]) filters[k] = data.getAll(k);
}

function resetFilters() {
  for (const k of Object.keys(filters)) filters[k] = Array.isArray(filters[k]) ? [] : "";
}

async function loadResults(results) {
  const q = queryText();
  const [{ data: page }, { data: counts }] = await Promise.all([
    api("GET", "/api/tasks?" + new URLSearchParams({ q, limit: 50 })),
    api("GET", "/api/tasks/quick-status?" + new URLSearchParams({ q })),
  ]);
  const chips = h("ul", { class: "chips", "aria-label": "Valgte filtre" }, page.chips.map(c =>
    h("li", {}, h("button", {
      type: "button", "aria-label": `Fjern filteret ${CHIP_LABELS[c.field] || c.field}`,
      onclick: () => {
        filters[c.field] = Array.isArray(filters[c.field]) ? [] : "";
        if (c.field === "project") filters.phase = filters.theme = "";
        showTasks().catch(fail);
      },
    }, `${CHIP_LABELS[c.field] || c.field} ✕`))));
  const quick = h("ul", { class: "quick", "aria-label": "Hurtig status" }, COLOURS.map(([code, label, symbol]) =>
    h("li", { class: code }, `${symbol} ${label}: ${counts[code]}`)));
  const body = h("tbody");
  const addRows = rows => body.append(...rows.map(r => h("tr", {},
    h("td", {}, h("a", { href: r.local_task ? `#/lokal/${r.local_task}` : `#/opgave/${r.task}` }, r.title)),
    h("td", {}, r.project.name), h("td", {}, r.phase), h("td", {}, colourBadge(r.colour)),
    h("td", {}, r.priority.label), h("td", {}, r.status.label), h("td", {}, r.end),
    h("td", {}, personName(r.responsible)), h("td", {}, personName(r.performer)))));
  addRows(page.rows);
  const head = h("tr", {}, COLUMNS.map(([col, label]) => {
    if (!col) return h("th", { scope: "col" }, label);
    const active = sort.column === col;
    return h("th", { scope: "col", "aria-sort": active ? (sort.descending ? "descending" : "ascending") : "none" },
      h("button", {
        type: "button", onclick: () => {
          sort = { column: col, descending: active ? !sort.descending : false };
          showTasks().catch(fail);
        },
      }, label, active ? (sort.descending ? " ▼" : " ▲") : ""));
  }));
  const shown = h("p", { id: "count" });
  let cursor = page.next_cursor;
  let count = page.rows.length;
  const more = h("button", { type: "button", hidden: !cursor }, "Vis flere");
  more.addEventListener("click", async () => {
    const { data } = await api("GET", "/api/tasks?" + new URLSearchParams({ q, limit: 50, cursor }));
    addRows(data.rows);
    count += data.rows.length;
    cursor = data.next_cursor;
    more.hidden = !cursor;
    shown.textContent = `Viser ${count} af ${page.total} opgaver`;
  });
  shown.textContent = `Viser ${count} af ${page.total} opgaver`;
  results.replaceChildren(chips, quick, shown,
    h("table", {}, h("caption", { class: "visually-hidden" }, "Opgaveliste"), h("thead", {}, head), body), more);
  announce(`${page.total} opgaver fundet`);
}

// ---- one task -----------------------------------------------------------------

function notFound() {
  main.replaceChildren(h("h1", {}, "Opgaven findes ikke"),
    h("p", {}, "Opgaven findes ikke, eller du har ikke adgang til den."),
    h("p", {}, h("a", { href: "#/opgaver" }, "Tilbage til opgaverne")));
}

async function showTask(id) {
  let task;
  try {
    task = (await api("GET", `/api/tasks/${id}`)).data;
  } catch (err) {
    if (err.status === 404) return notFound();
    throw err;
  }
  const r = task.rights;
  const people = [["", "Ikke valgt"], ...(await users()).map(u => [u.id, u.name])];
  const status = select("status", STATUSES.map(([c, l]) => [c, l]), task.status.code);
  for (const opt of status.options)
    if (opt.value === "not_active" && !r.set_not_active && task.status.code !== "not_active") opt.disabled = true;
  const responsible = select("responsible", people, task.responsible ? task.responsible.id : "");
  const performer = select("performer", people, task.performer ? task.performer.id : "");
  const message = h("p", { role: "alert" });
  const canSave = r.edit_status || r.edit_responsible || r.edit_performer;
  const form = h("form", { class: "task-fields", "aria-label": "Opgavens felter" },
    h("span", {}, "Projekt"), h("span", {}, task.project.name),
    h("span", {}, "Kommune"), h("span", {}, task.municipality.name),
    h("span", {}, "Fase"), h("span", {}, `${task.phase.number}. ${task.phase.name}`),
    h("span", {}, "Prioritet"), h("span", {}, task.priority.label),
    h("span", {}, "Frist"), h("span", {}, colourBadge(task.colour), " ",
      h("span", { class: "explain" }, task.colour.text)),
    h("span", {}, "Seneste start / slutdato"), h("span", {}, `${task.colour.latest_start} / ${task.colour.end}`),
    ...labelled("Status", status, !r.edit_status),
    ...labelled("Ansvarlig", responsible, !r.edit_responsible),
    ...labelled("Udfører", performer, !r.edit_performer),
    canSave ? h("button", { type: "submit" }, "Gem ændringer") : h("span", { class: "lock" }, "Du kan ikke ændre opgaven"),
    message);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const change = {};
    if (r.edit_status && status.value !== task.status.code) change.status = status.value;
    const pick = (sel, old) => (sel.value === "" ? null : Number(sel.value)) !== (old ? old.id : null);
    if (r.edit_responsible && pick(responsible, task.responsible))
      change.responsible = responsible.value === "" ? null : Number(responsible.value);
    if (r.edit_performer && pick(performer, task.performer))
      change.performer = performer.value === "" ? null : Number(performer.value);
    try {
      await api("PATCH", `/api/tasks/${task.id}`, change, { "If-Match": `"${task.version}"` });
      await showTask(task.id);
      announce("Opgaven er gemt");
      document.getElementById("saved").textContent = "Gemt.";
    } catch (err) {
      message.className = "error";
      message.textContent = err.status === 409
        ? `Opgaven er ændret af en anden (${(err.body.changed_fields || []).join(", ")}). Genindlæs og prøv igen.`
        : err.message;
    }
  });
  const sections = [["Mål", task.goal], ["Beskrivelse", task.description], ["Metode og fremgangsmåde", task.method],
    ["Resultat", task.result]].filter(([, t]) => t).map(([title, text]) => h("section", {}, h("h2", {}, title),
    h("p", {}, text)));
  // The manual's "Gem opgave som PDF-fil": the server sends the file as an attachment.
  const pdf = r.export_task ? [h("p", {}, h("a", { href: `/api/tasks/${task.id}.pdf`,
    download: `opgave-${task.id}.pdf` }, "Eksportér til PDF"))] : [];
  main.replaceChildren(h("p", {}, h("a", { href: "#/opgaver" }, "← Opgaver")), h("h1", {}, task.title), ...pdf,
    h("p", { id: "saved", role: "status" }), form, ...sections,
    await messagesSection(task), filesSection(task), notesSection(task), localSection(task));
}

async function messagesSection(task) {
  const { data } = await api("GET", `/api/tasks/${task.id}/messages?limit=200`);
  const list = h("ol", {}, data.messages.map(m => h("li", {},
    h("strong", {}, personName(m.author)), ` (${m.time.replace("T", " ").slice(0, 16)}): `, m.text)));
  const section = h("section", { "aria-labelledby": "msg-title" }, h("h2", { id: "msg-title" }, "Beskeder"),
    data.messages.length ? list : h("p", {}, "Ingen beskeder."));
  if (task.rights.write_message) {
    const text = h("textarea", { name: "text", required: true });
    const form = h("form", {}, ...labelled("Ny besked", text), h("button", { type: "submit" }, "Send besked"));
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      await api("POST", `/api/tasks/${task.id}/messages`, { text: text.value });
      await showTask(task.id);
    });
    section.append(form);
  } else {
    section.append(h("p", { class: "lock" }, "Du kan ikke skrive beskeder på opgaven."));
  }
  return section;
}

function filesSection(task) {
  const section = h("section", { "aria-labelledby": "files-title" }, h("h2", { id: "files-title" }, "Filer"),
    task.files.length ? h("ul", {}, task.files.map(f => h("li", {}, h("a", { href: f.href, download: f.name }, f.name),
      ` (${f.size} bytes)`))) : h("p", {}, "Ingen filer."));
  if (task.rights.add_file) {
    const file = h("input", { type: "file", name: "file", required: true });
    const error = h("p", { class: "error", role: "alert" });
    const form = h("form", {}, ...labelled("Tilføj fil (ingen personoplysninger)", file),
      h("button", { type: "submit" }, "Upload"), error);
    form.addEventListener("submit", async ev => {
      ev.preventDefault();
      try {
        await api("POST", `/api/tasks/${task.id}/files`, new FormData(form));
        await showTask(task.id);
      } catch (err) {
        error.textContent = err.status === 413 ? "Filen er for stor." : err.message;
      }
    });
    section.append(form);
  } else {
    section.append(h("p", { class: "lock" }, "Du kan ikke tilføje filer til opgaven."));
  }
  return section;
}

function notesSection(task) {
  if (!("internal_notes" in task)) return h("section", {}, h("h2", {}, "Interne noter"),
    h("p", { class: "lock" }, "Du har ikke adgang til de interne noter."));
  const text = h("textarea", { name: "text" });
  text.value = task.internal_notes;
  const locked = !task.rights.edit_internal_notes;
  const form = h("form", {}, ...labelled("Interne noter", text, locked),
    locked ? null : h("button", { type: "submit" }, "Gem noter"));
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    await api("PUT", `/api/tasks/${task.id}/internal-notes`, { text: text.value });
    announce("Noterne er gemt");
  });
  return h("section", {}, h("h2", {}, "Interne noter"), form);
}

function localSection(task) {
  const section = h("section", { "aria-labelledby": "local-title" }, h("h2", { id: "local-title" }, "Lokale opgaver"));
  if (!task.rights.create_local_task) {
    section.append(h("p", { class: "lock" }, "Du kan ikke oprette lokale opgaver under denne opgave."));
    return section;
  }
  const title = h("input", { name: "title", required: true, maxlength: 200 });
  const end = h("input", { type: "date", name: "end", required: true });
  const description = h("textarea", { name: "description" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "stack", "aria-label": "Opret lokal opgave" },
    ...labelled("Titel på lokal opgave", title), ...labelled("Slutdato", end),
    ...labelled("Beskrivelse", description), h("button", { type: "submit" }, "Opret lokal opgave"), error);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    try {
      const { data } = await api("POST", `/api/tasks/${task.id}/local-tasks`,
        { title: title.value, end: end.value, description: description.value });
      location.hash = `#/lokal/${data.id}`;
    } catch (err) {
      error.textContent = err.message;
    }
  });
  section.append(form);
  return section;
}

async function showLocalTask(id) {
  let task;
  try {
    task = (await api("GET", `/api/local-tasks/${id}`)).data;
  } catch (err) {
    if (err.status === 404) return notFound();
    throw err;
  }
  const r = task.rights;
  const people = [["", "Ikke valgt"], ...(await users()).map(u => [u.id, u.name])];
  const title = h("input", { name: "title", value: task.title, required: true });
  const end = h("input", { type: "date", name: "end", value: task.end, required: true });
  const status = select("status", STATUSES.filter(([c]) => c !== "not_active"), task.status.code);
  const responsible = select("responsible", people, task.responsible ? task.responsible.id : "");
  const performer = select("performer", people, task.performer ? task.performer.id : "");
  const description = h("textarea", { name: "description" });
  description.value = task.description;
  const message = h("p", { role: "alert" });
  const form = h("form", { class: "task-fields", "aria-label": "Den lokale opgaves felter" },
    h("span", {}, "Lokal opgave under"),
    h("span", {}, task.parent ? h("a", { href: `#/opgave/${task.parent.id}` }, task.parent.title) : "–"),
    h("span", {}, "Projekt"), h("span", {}, task.project.name),
    h("span", {}, "Frist"), h("span", {}, task.colour ? colourBadge(task.colour) : "–", " ",
      h("span", { class: "explain" }, task.colour ? task.colour.text : "")),
    ...labelled("Titel", title, !r.edit_local_task),
    ...labelled("Slutdato", end, !r.edit_local_task),
    ...labelled("Status", status, !r.edit_status),
    ...labelled("Ansvarlig", responsible, !r.edit_responsible),
    ...labelled("Udfører", performer, !r.edit_performer),
    ...labelled("Beskrivelse", description, !r.edit_local_task),
    h("button", { type: "submit" }, "Gem ændringer"),
    r.edit_local_task ? h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm("Slet den lokale opgave?")) return;
      try {
        await api("DELETE", `/api/local-tasks/${task.id}`, undefined, { "If-Match": `"${task.version}"` });
        location.hash = task.parent ? `#/opgave/${task.parent.id}` : "#/opgaver";
      } catch (err) { message.className = "error"; message.textContent = err.message; }
    } }, "Slet lokal opgave") : null,
    message);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const change = {};
    if (r.edit_local_task) {
      if (title.value !== task.title) change.title = title.value;
      if (end.value !== task.end) change.end = end.value;
      if (description.value !== task.description) change.description = description.value;
    }
    if (r.edit_status && status.value !== task.status.code) change.status = status.value;
    const person = sel => (sel.value === "" ? null : Number(sel.value));
    if (r.edit_responsible && person(responsible) !== (task.responsible ? task.responsible.id : null))
      change.responsible = person(responsible);
    if (r.edit_performer && person(performer) !== (task.performer ? task.performer.id : null))
      change.performer = person(performer);
    try {
      await api("PATCH", `/api/local-tasks/${task.id}`, change, { "If-Match": `"${task.version}"` });
      await showLocalTask(task.id);
      announce("Den lokale opgave er gemt");
    } catch (err) {
      message.className = "error";
      message.textContent = err.status === 409 ? "Opgaven er ændret af en anden. Genindlæs og prøv igen." : err.message;
    }
  });
  main.replaceChildren(h("p", {}, h("a", { href: "#/opgaver" }, "← Opgaver")), h("h1", {}, task.title), form);
}

// ---- projects, users, national overview ---------------------------------------

async function showProjects() {
  const ps = await projects();
  main.replaceChildren(h("h1", {}, "Projekter"), h("table", {},
    h("thead", {}, h("tr", {}, ["Projekt", "Din brugertype", "Periode", "Frist", "KOMBIT-kontakt"].map(t =>
      h("th", { scope: "col" }, t)))),
    h("tbody", {}, ps.map(p => h("tr", {}, h("td", {}, p.name), h("td", {}, p.viewer_type_label || "–"),
      h("td", {}, `${p.period_start} – ${p.period_end}`), h("td", {}, p.deadline),
      h("td", {}, p.kombit_contact))))));
}

const USER_TYPES = [["plus", "Plusbruger"], ["light", "Light-bruger"], ["reader", "Læser"]];

async function showUsers() {
  const { data } = await api("GET", "/api/users");
  const parts = [h("h1", {}, "Brugere")];
  if (me.capabilities.create_users || (me.capabilities.assign_projects || []).length)
    parts.push(h("p", {}, h("a", { href: "#/bruger/ny", class: "button" }, "Opret bruger")));
  parts.push(h("table", {},
    h("thead", {}, h("tr", {}, ["Navn", "E-mail", "Administrator", "Projekter"].map(t => h("th", { scope: "col" }, t)))),
    h("tbody", {}, data.users.map(u => h("tr", {}, h("td", {}, h("a", { href: `#/bruger/${u.id}` }, u.name)),
      h("td", {}, u.email), h("td", {}, u.administrator ? "Ja" : "Nej"),
      h("td", {}, u.memberships.map(m => `${m.project_name} (${m.type.label})`).join(", ")))))));
  main.replaceChildren(...parts);
}

async function showNewUser() {
  const ps = await projects();
  const assignable = ps.filter(p => me.capabilities.assign_in_all_projects ||
    (me.capabilities.assign_projects || []).includes(p.id));
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "off" });
  const organisation = h("input", { name: "organisation" });
  const project = select("project", [["", "Intet projekt"], ...assignable.map(p => [p.id, p.name])], "");
  const type = select("type", USER_TYPES, "light");
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "task-fields", "aria-label": "Ny bruger" },
    ...labelled("Navn", name), ...labelled("E-mail", email), ...labelled("Organisation", organisation),
    ...labelled("Projekt", project), ...labelled("Brugertype", type),
    h("button", { type: "submit" }, "Opret bruger"), error);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const body = { name: name.value, email: email.value, organisation: organisation.value, memberships: [] };
    if (project.value) body.memberships.push({ project: Number(project.value), type: type.value });
    try {
      const { data } = await api("POST", "/api/users", body);
      usersCache = null;
      location.hash = `#/bruger/${data.id}`;
      announce("Brugeren er oprettet og får en mail med et link til at vælge adgangskode");
    } catch (err) {
      error.textContent = err.status === 409 ? "Der findes allerede en bruger med den e-mail." : err.message;
    }
  });
  main.replaceChildren(h("p", {}, h("a", { href: "#/brugere" }, "← Brugere")), h("h1", {}, "Opret bruger"),
    h("p", {}, "Brugeren får en mail med et link, hvor de selv vælger deres adgangskode."), form);
}

async function showUser(id) {
  let user;
  try {
    user = (await api("GET", `/api/users/${id}`)).data;
  } catch (err) {
    if (err.status === 404) {
      main.replaceChildren(h("h1", {}, "Brugeren findes ikke"),
        h("p", {}, h("a", { href: "#/brugere" }, "Tilbage til brugerne")));
      return;
    }
    throw err;
  }
  const r = user.rights;
  const own = user.id === me.user.id;
  const editable = r.edit_user || own;
  const name = h("input", { name: "name", value: user.name, required: true });
  const email = h("input", { type: "email", name: "email", value: user.email, required: true });
  const organisation = h("input", { name: "organisation", value: user.organisation });
  const admin = h("input", { type: "checkbox", name: "administrator", checked: user.administrator });
  const digest = h("input", { type: "checkbox", name: "daily_digest", checked: user.daily_digest });
  const message = h("p", { role: "alert" });
  const show = err => { message.className = "error"; message.textContent = err.message; };
  const details = h("form", { class: "task-fields", "aria-label": "Brugerens oplysninger" },
    ...labelled("Navn", name, !editable), ...labelled("E-mail", email, !editable),
    ...labelled("Organisation", organisation, !editable),
    ...labelled("Administrator", admin, !r.grant_administrator),
    ...labelled("Samlet daglig mail om frister", digest, !editable),
    editable || r.grant_administrator ? h("button", { type: "submit" }, own ? "Opdater profil" : "Gem bruger") : null,
    message);
  details.addEventListener("submit", async ev => {
    ev.preventDefault();
    const change = {};
    if (editable) {
      if (name.value !== user.name) change.name = name.value;
      if (email.value !== user.email) change.email = email.value;
      if (organisation.value !== user.organisation) change.organisation = organisation.value;
    }
    if (r.grant_administrator && admin.checked !== user.administrator) change.administrator = admin.checked;
    if (editable && digest.checked !== user.daily_digest) change.daily_digest = digest.checked;
    try {
      await api("PATCH", `/api/users/${user.id}`, change, { "If-Match": `"${user.version}"` });
      usersCache = null;
      await showUser(user.id);
      announce("Brugeren er gemt");
    } catch (err) { show(err); }
  });
  const ps = await projects();
  const canAssign = p => r.assign_user_type.includes(p);
  const rows = user.memberships.map(m => {
    const type = select("type", USER_TYPES, m.type.code, !canAssign(m.project));
    type.setAttribute("aria-label", `Brugertype på ${m.project_name}`);
    type.addEventListener("change", async () => {
      try { await api("PUT", `/api/users/${user.id}/projects/${m.project}`, { type: type.value }); await showUser(user.id); }
      catch (err) { show(err); }
    });
    const remove = canAssign(m.project) ? h("button", { type: "button", onclick: async () => {
      try { await api("DELETE", `/api/users/${user.id}/projects/${m.project}`); await showUser(user.id); }
      catch (err) { show(err); }
    } }, `Fjern fra ${m.project_name}`) : h("span", { class: "lock" }, "Låst");
    return h("tr", {}, h("td", {}, m.project_name), h("td", {}, type), h("td", {}, remove));
  });
  const memberships = h("section", { "aria-labelledby": "projects-title" }, h("h2", { id: "projects-title" }, "Projekter"),
    h("table", {}, h("thead", {}, h("tr", {}, ["Projekt", "Brugertype", ""].map(t => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)));
  const addable = ps.filter(p => canAssign(p.id) && !user.memberships.some(m => m.project === p.id));
  if (addable.length) {
    const project = select("project", addable.map(p => [p.id, p.name]), addable[0].id);
    const type = select("type", USER_TYPES, "light");
    const add = h("form", { class: "inline", "aria-label": "Tilføj til projekt" },
      ...labelled("Tilføj til projekt", project), ...labelled("som", type), h("button", { type: "submit" }, "Tilføj"));
    add.addEventListener("submit", async ev => {
      ev.preventDefault();
      try { await api("PUT", `/api/users/${user.id}/projects/${project.value}`, { type: type.value }); await showUser(user.id); }
      catch (err) { show(err); }
    });
    memberships.append(add);
  }
  const actions = h("section", {}, h("h2", {}, "Adgangskode"));
  if (own) actions.append(passwordForm());
  else if (r.reset_password)
    actions.append(h("button", { type: "button", onclick: async () => {
      try {
        await api("POST", `/api/users/${user.id}/password-reset`);
        message.className = "";
        message.textContent = "Brugeren har fået en mail med et link til at vælge en ny adgangskode.";
      } catch (err) { show(err); }
    } }, "Nulstil adgangskode"));
  else actions.append(h("p", { class: "lock" }, "Du kan ikke nulstille brugerens adgangskode."));
  if (r.delete_user && !own)
    actions.append(h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm(`Slet ${user.name}?`)) return;
      try { await api("DELETE", `/api/users/${user.id}`); usersCache = null; location.hash = "#/brugere"; }
      catch (err) { show(err); }
    } }, "Slet bruger"));
  main.replaceChildren(h("p", {}, h("a", { href: "#/brugere" }, "← Brugere")),
    h("h1", {}, own ? "Min profil" : user.name), details, memberships, actions);
}

function passwordForm() {
  const old = h("input", { type: "password", name: "old", autocomplete: "current-password", required: true });
  const next = h("input", { type: "password", name: "new", autocomplete: "new-password", required: true });
  const again = h("input", { type: "password", name: "again", autocomplete: "new-password", required: true });
  const message = h("p", { role: "alert" });
  const form = h("form", { class: "task-fields", "aria-label": "Skift adgangskode" },
    ...labelled("Nuværende kodeord", old), ...labelled("Nyt kodeord", next), ...labelled("Bekræft nyt kodeord", again),
    h("button", { type: "submit" }, "Skift adgangskode"), message);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    message.className = "error";
    if (next.value !== again.value) { message.textContent = "De to nye kodeord er ikke ens."; return; }
    try {
      await api("PUT", "/api/me/password", { old_password: old.value, new_password: next.value });
      message.className = "";
      message.textContent = "Din adgangskode er skiftet.";
      form.reset();
    } catch (err) {
      message.textContent = err.status === 403 ? "Det nuværende kodeord er forkert." : err.message;
    }
  });
  return form;
}

/** Where a reset link points (/password-reset?user=..&token=..): choose a password. */
function showPasswordReset() {
  document.getElementById("top").hidden = true;
  const params = new URLSearchParams(location.search);
  const next = h("input", { type: "password", name: "new", autocomplete: "new-password", required: true });
  const again = h("input", { type: "password", name: "again", autocomplete: "new-password", required: true });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "login", "aria-labelledby": "reset-title" },
    h("h1", { id: "reset-title" }, "Vælg din adgangskode"),
    ...labelled("Ny adgangskode", next), ...labelled("Gentag adgangskode", again),
    h("button", { type: "submit" }, "Nulstil adgangskode"), error);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    if (next.value !== again.value) { error.textContent = "De to adgangskoder er ikke ens."; return; }
    try {
      await api("POST", "/api/password-reset",
        { user: Number(params.get("user")), token: params.get("token") || "", password: next.value });
      history.replaceState(null, "", "/");
      showLogin("Din adgangskode er gemt. Log nu ind med din e-mail og adgangskode.");
    } catch (err) {
      error.textContent = err.status === 409 ? "Linket er brugt, erstattet af et nyere eller udløbet." : err.message;
    }
  });
  main.replaceChildren(form);
  next.focus();
}

async function showNational(projectId) {
  const ps = await projects();
  const chosen = projectId || (ps[0] && ps[0].id);
  const pick = select("project", ps.map(p => [p.id, p.name]), chosen);
  pick.addEventListener("change", () => { location.hash = `#/nationalt/${pick.value}`; });
  const parts = [h("h1", {}, "Nationalt overblik"), ...labelled("Projekt", pick)];
  if (chosen) {
    const { data } = await api("GET", `/api/national/projects/${chosen}`);
    parts.push(h("table", {},
      h("caption", {}, "Opgaver pr. kommune efter frist"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Kommune"),
        COLOURS.map(([, label, symbol]) => h("th", { scope: "col" }, `${symbol} ${label}`)),
        h("th", { scope: "col" }, "Røde (kritisk vej + obligatorisk)"))),
      h("tbody", {}, data.municipalities.map(m => h("tr", {}, h("td", {}, m.name),
        COLOURS.map(([code]) => h("td", {}, m.colours[code])), h("td", {}, m.red_followed_up))))));
    parts.push(h("p", {}, `Kommuner uden Plusbruger: ${data.without_plusbruger.length}`));
    parts.push(broadcastForm(chosen, data.waves), whatIfForm(data.waves));
  }
  main.replaceChildren(...parts);
}

function broadcastForm(project, waves) {
  const wave = select("wave", [["", "Hele projektet"], ...waves.map(w => [w.id, w.name])], "");
  const text = h("textarea", { name: "text", required: true });
  const message = h("p", { role: "alert" });
  const form = h("form", { class: "task-fields", "aria-labelledby": "broadcast-title" },
    ...labelled("Modtagere", wave), ...labelled("Besked", text), h("button", { type: "submit" }, "Send besked"), message);
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    try {
      await api("POST", `/api/projects/${project}/broadcasts`,
        { text: text.value, wave: wave.value ? Number(wave.value) : null });
      message.className = "";
      message.textContent = "Beskeden er sendt.";
      form.reset();
    } catch (err) { message.className = "error"; message.textContent = err.message; }
  });
  return h("section", {}, h("h2", { id: "broadcast-title" }, "Besked til projektet"), form);
}

function whatIfForm(waves) {
  const section = h("section", {}, h("h2", { id: "whatif-title" }, "Hvad nu hvis en bølge flyttes?"));
  if (!waves.length) {
    section.append(h("p", {}, "Projektet har ingen udrulningsbølger."));
    return section;
  }
  const wave = select("wave", waves.map(w => [w.id, `${w.name} (${w.municipalities} kommuner, nu ${w.shift_workdays} dage)`]),
    waves[0].id);
  const days = h("input", { type: "number", name: "workdays", value: 10, min: -1000, max: 1000, required: true });
  const on = h("input", { type: "date", name: "on" });
  const result = h("div", { id: "whatif" });
  const form = h("form", { class: "task-fields", "aria-labelledby": "whatif-title" },
    ...labelled("Bølge", wave), ...labelled("Flyt med arbejdsdage", days), ...labelled("Se også farverne den", on),
    h("button", { type: "submit" }, "Beregn"));
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    try {
      const body = { waves: [{ wave: Number(wave.value), workdays: Number(days.value), relative: true }] };
      if (on.value) body.on = on.value;
      const { data } = await api("POST", "/api/national/what-if", body);
      const row = (label, totals) => h("tr", {}, h("th", { scope: "row" }, label),
        COLOURS.map(([code]) => h("td", {}, `${totals[code].before} → ${totals[code].after}`)));
      const rows = [row(`I dag (${data.today})`, data.today_total)];
      if (data.on_total) rows.push(row(`Den ${data.on}`, data.on_total));
      result.replaceChildren(
        h("p", {}, `${data.affected} opgaver får nye datoer; ${data.changed_today} skifter farve i dag; ` +
          `${data.red_today_total} bliver røde i dag.`),
        h("table", {}, h("caption", {}, "Farver før → efter for de berørte opgaver"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Dag"),
            COLOURS.map(([, label, symbol]) => h("th", { scope: "col" }, `${symbol} ${label}`)))),
          h("tbody", {}, rows)));
      announce("Beregningen er færdig");
    } catch (err) { result.replaceChildren(h("p", { class: "error", role: "alert" }, err.message)); }
  });
  section.append(form, result);
  return section;
}

// ---- routing ------------------------------------------------------------------

async function route() {
  if (!me) return;
  const [, view, id] = location.hash.split("/");
  for (const a of document.querySelectorAll("nav a"))
    a.toggleAttribute("aria-current", a.getAttribute("href") === `#/${view}`) && a.setAttribute("aria-current", "page");
  try {
    if (view === "opgave" && /^\d{1,10}$/.test(id || "")) await showTask(id);
    else if (view === "lokal" && /^\d{1,10}$/.test(id || "")) await showLocalTask(id);
    else if (view === "projekter") await showProjects();
    else if (view === "brugere") await showUsers();
    else if (view === "bruger" && id === "ny") await showNewUser();
    else if (view === "bruger" && /^\d{1,10}$/.test(id || "")) await showUser(id);
    else if (view === "profil") await showUser(me.user.id);
    else if (view === "nationalt") await showNational(id);
    else await showTasks();
    main.focus();
  } catch (err) {
    fail(err);
  }
}

window.addEventListener("hashchange", route);
if (location.pathname === "/password-reset") showPasswordReset();
else start().catch(err => { if (!(err instanceof ApiError && err.status === 401)) fail(err); });
