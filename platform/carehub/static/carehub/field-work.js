// The field page (programme/field.html): my work as the phone keeps it, drawn from IndexedDB (carehub/field.js),
// with or without a signal. Three views, chosen by the address's fragment:
//   #                                  the tasks by member (late ones first) and the records waiting on the phone
//   #member=5                          a member: address, phones, proxy, last visit and talk, hardship, tasks
//   #record=visit&member=5&task=12     a visit or talk form, prefilled from the task; saving keeps it in the queue
// When the service worker shows this page in place of one it could not load (no signal), the view comes from that
// page's address: the server's visit or talk form of a member opens the phone's, a member's page the member.
(function () {
  "use strict";

  const field = window.CarehubField;
  const page = window.CarehubFieldPage;  // set by field-page.js when this browser can keep work
  const config = JSON.parse(document.getElementById("field-app").dataset.config);
  const words = config.words;
  const byId = (id) => document.getElementById(id);
  if (!page) {
    byId("field-unable").hidden = false;
    return;
  }
  const MAX_SIDE = 1280;  // photos are kept at most this many pixels on their long side, as JPEG at 0.8
  const language = document.documentElement.lang;
  const form = byId("field-form");

  let snapshot = null;
  let queue = [];
  let photos = [];  // the open form's photos, made smaller: [{blob, url}]
  let shownView = "";  // the view on screen, to move the focus only when it changes
  let entering = true;  // the address changed since the last drawing: a form opens afresh

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  const link = (hash) => `${config.fieldPage}#${hash}`;
  const serverForm = (kind, member, task) => config.serverForms[kind].replace("/0/", `/${member}/`)
    + (task ? `?task=${task}` : "");

  function where() {
    const hash = new URLSearchParams(window.location.hash.slice(1));
    if (hash.has("record")) {
      return {view: "record", kind: hash.get("record") === "talk" ? "talk" : "visit",
              member: Number(hash.get("member")), task: Number(hash.get("task")) || null};
    }
    if (hash.has("member")) return {view: "member", member: Number(hash.get("member"))};
    const path = window.location.pathname;
    if (path !== config.fieldPage) {
      const task = Number(new URLSearchParams(window.location.search).get("task")) || null;
      for (const [kind, pattern] of Object.entries(config.formPaths)) {
        const found = path.match(new RegExp(pattern));
        if (found) return {view: "record", kind, member: Number(found[1]), task};
      }
      const member = path.match(new RegExp(config.memberPath));
      if (member) return {view: "member", member: Number(member[1])};
    }
    return {view: "list", saved: hash.has("saved")};
  }

  // Dates -----------------------------------------------------------------------------------------------------------

  // "2026-12-04" (Canadian English writes dates the ISO way) in the unit's time zone, by the phone's clock: the
  // snapshot's own "today" may be days old.
  function unitToday() {
    return new Intl.DateTimeFormat("en-CA", {timeZone: snapshot.time_zone}).format(new Date());
  }

  // "Overdue 3 days", "Due today" or "Due Friday 12-12", as on my work.
  function dueWords(due) {
    const late = Math.round((Date.parse(unitToday()) - Date.parse(due)) / 86400000);
    if (late > 0) {
      const plural = new Intl.PluralRules(language).select(late) === "one" ? "one" : "other";
      return {text: fill(words.overdue[plural], {days: late}), late: true};
    }
    if (late === 0) return {text: words.dueToday, late: false};
    const weekday = new Intl.DateTimeFormat(language, {weekday: "long", timeZone: "UTC"}).format(new Date(due));
    return {text: fill(words.dueOn, {weekday, date: due.slice(5)}), late: false};
  }

  // Pieces ----------------------------------------------------------------------------------------------------------

  function clone(id) {
    return byId(id).content.firstElementChild.cloneNode(true);
  }

  function phoneLink(phone, shown) {
    const anchor = document.createElement("a");
    anchor.className = "phone";
    anchor.href = `tel:${phone}`;
    anchor.textContent = shown;
    return anchor;
  }

  function nowrap(...parts) {
    const span = document.createElement("span");
    span.className = "nowrap";
    span.append(...parts);
    return span;
  }

  function contactOf(member) {
    const parts = [];
    if (member.phone) parts.push(nowrap(phoneLink(member.phone, member.phone_display)));
    if (member.proxy_phone) {
      const proxy = phoneLink(member.proxy_phone, member.proxy_phone_display);
      parts.push(nowrap(`${words.proxy} ${member.proxy_name} `, proxy));
    }
    if (!parts.length) {
      const none = document.createElement("span");
      none.className = "muted";
      none.textContent = words.noPhone;
      parts.push(none);
    }
    return parts;
  }

  const members = () => new Map((snapshot ? snapshot.members : []).map((member) => [member.id, member]));
  const tasks = () => (snapshot ? snapshot.tasks : []);
  const recorded = (task) => queue.some((item) => item.task === task.id && item.state !== "conflict");

  function taskItem(task) {
    const item = clone("field-task-template");
    item.querySelector(".field-task-kind").textContent = task.kind_label;
    item.querySelector(".field-task-name").textContent = task.name;
    const due = dueWords(task.due_on);
    const when = item.querySelector(".work-due");
    when.textContent = due.text;
    when.classList.toggle("overdue", due.late);
    const action = item.querySelector(".task-action");
    if (recorded(task) || !config.canWrite) {
      action.parentElement.remove();
      item.querySelector(".field-task-recorded").hidden = !recorded(task);
    } else {
      action.textContent = task.form === "talk" ? words.recordTalk : words.recordVisit;
      action.href = link(new URLSearchParams({record: task.form, member: task.member, task: task.id}));
    }
    return item;
  }

  // Views -----------------------------------------------------------------------------------------------------------

  function drawQueue() {
    byId("field-queue").hidden = !queue.length;
    byId("field-records").replaceChildren(...queue.map((item) => {
      const entry = clone("field-record-template");
      entry.querySelector(".field-queued-what").textContent = words[item.kind];
      entry.querySelector(".field-queued-member").textContent = item.label.member;
      entry.querySelector(".field-queued-when").textContent = fill(words.savedAt,
                                                                   {time: page.shortTime(item.happened_at)});
      const state = entry.querySelector(".field-queued-state");
      if (item.state === "conflict") {
        entry.classList.add("conflict");
        state.textContent = item.problem.message;
        entry.querySelector(".field-decide").hidden = false;
        const keep = entry.querySelector("[data-decide=without-task]");
        keep.hidden = !item.task || item.problem.code === "member_out_of_scope";
      } else {
        state.textContent = [item.state === "sending" ? words.sending : words.waiting,
                             item.problem && item.problem.message].filter(Boolean).join(" · ");
      }
      entry.querySelectorAll("[data-decide]").forEach((button) => { button.dataset.record = item.client_id; });
      return entry;
    }));
  }

  function drawList(here) {
    drawQueue();
    byId("field-nothing").hidden = Boolean(snapshot);
    byId("field-kept").hidden = !snapshot;
    byId("field-no-tasks").hidden = !snapshot || tasks().length > 0;
    if (snapshot) {
      byId("field-kept").textContent = fill(words.kept, {since: page.shortTime(snapshot.generated_at),
                                                         until: page.shortTime(snapshot.expires_at)});
    }
    const known = members();
    const groups = new Map();  // in the tasks' order, most urgent first: a member's card where their first task is
    tasks().forEach((task) => {
      if (!groups.has(task.member)) groups.set(task.member, []);
      groups.get(task.member).push(task);
    });
    byId("field-work").replaceChildren(...[...groups].filter(([id]) => known.has(id)).map(([id, own]) => {
      const member = known.get(id);
      const card = clone("field-card-template");
      card.id = `field-member-${id}`;
      const name = card.querySelector(".field-member-link");
      name.textContent = member.name;
      name.href = link(`member=${id}`);
      card.querySelector(".work-node").textContent = member.node;
      card.querySelector(".work-contact").append(...contactOf(member));
      const address = card.querySelector(".work-address");
      if (member.address) address.textContent = member.address;
      else address.remove();
      card.querySelector(".work-tasks").append(...own.map(taskItem));
      return card;
    }));
  }

  function drawMember(here) {
    const member = members().get(here.member);
    byId("field-member-name").textContent = member ? member.name : "—";
    const facts = byId("field-member-facts");
    const fact = (name) => facts.querySelector(`[data-fact=${name}]`);
    const text = (name, value) => { fact(name).textContent = value || "—"; };
    if (member) {
      text("node", member.node);
      text("address", member.address);
      fact("phone").replaceChildren(...(member.phone ? [phoneLink(member.phone, member.phone_display)] : ["—"]));
      fact("proxy").replaceChildren(...(member.proxy_phone
        ? [`${member.proxy_name} `, phoneLink(member.proxy_phone, member.proxy_phone_display)] : ["—"]));
      text("last_visit", member.last_visit);
      text("last_talk", member.last_talk);
      text("hardship", member.hardship);
    }
    facts.hidden = !member;
    const hardship = Boolean(member && member.hardship);  // null too for who may not see sensitive details
    fact("hardship").hidden = !hardship;
    facts.querySelector("[data-fact-label=hardship]").hidden = !hardship;
    const own = tasks().filter((task) => task.member === here.member);
    byId("field-member-tasks").replaceChildren(...own.map(taskItem));
    byId("field-new-visit").href = link(`record=visit&member=${here.member}`);
    byId("field-new-talk").href = link(`record=talk&member=${here.member}`);
    document.querySelector("#field-member .field-new-records").hidden = !member || !config.canWrite;
  }

  // The record view's texts; the fields are filled only when the form opens (fillForm), never while one types.
  function describeRecord(here) {
    const member = members().get(here.member);
    const task = here.task ? tasks().find((candidate) => candidate.id === here.task) : null;
    byId("field-record-title").textContent = fill(here.kind === "talk" ? words.talkTitle : words.visitTitle,
                                                  {name: member ? member.name : "—"});
    byId("field-record-node").textContent = member ? member.node : "";
    const about = byId("field-record-task");
    about.hidden = !task;
    if (task) {
      const what = [task.kind_label, task.name, dueWords(task.due_on).text].join(" · ");
      about.textContent = fill(words.forTask, {task: what});
    }
    byId("field-record-missing").hidden = Boolean(member && (task || !here.task));
    byId("field-record-server").href = byId("field-full-form").href = serverForm(here.kind, here.member, here.task);
    const purpose = form.elements[here.kind === "talk" ? "topic" : "occasion"];
    if (task && !purpose.value && !purpose.dataset.touched) purpose.value = task.purpose;
  }

  function fillForm(here) {
    form.reset();
    form.querySelectorAll("[data-touched]").forEach((input) => { delete input.dataset.touched; });
    photos.forEach((photo) => URL.revokeObjectURL(photo.url));
    photos = [];
    drawPhotos();
    form.querySelectorAll("fieldset[data-kind]").forEach((set) => {
      const mine = set.dataset.kind === here.kind;
      set.hidden = !mine;
      set.disabled = !mine;  // the other kind's required field must not stop the form
    });
    byId("field-save").disabled = !config.canWrite;
  }

  const draw = page.oneAtATime(async () => {
    snapshot = await field.snapshot();
    queue = await field.records();
    const here = where();
    const opening = entering;
    entering = false;
    byId("field-away").hidden = window.location.pathname === config.fieldPage;
    for (const view of ["list", "member", "record"]) byId(`field-${view}`).hidden = view !== here.view;
    // "Saved on this phone" belongs to the list shown after saving, never to the next form.
    byId("field-saved").hidden = !(here.view === "list" && here.saved);
    if (here.view === "list") drawList(here);
    if (here.view === "member") drawMember(here);
    if (here.view === "record") {
      if (opening) fillForm(here);
      describeRecord(here);
    }
    if (opening && shownView && here.view !== shownView) {  // a screen reader reads the new view's name
      const section = byId(`field-${here.view}`);
      section.tabIndex = -1;
      section.focus();
    }
    shownView = here.view;
  });

  // Photos: made smaller here (the phone's camera gives 3 to 10 MB) before they are kept -----------------------------

  async function smaller(file) {
    const bitmap = await createImageBitmap(file);  // turned upright by its EXIF orientation
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("not encoded"))), "image/jpeg", 0.8);
    });
  }

  function drawPhotos() {
    byId("field-photo-list").replaceChildren(...photos.map((photo, index) => {
      const item = clone("field-photo-template");
      const image = item.querySelector("img");
      image.src = photo.url;
      image.alt = fill(words.photo, {number: index + 1});
      item.querySelector("button").addEventListener("click", () => {
        URL.revokeObjectURL(photo.url);
        photos = photos.filter((other) => other !== photo);
        drawPhotos();
      });
      return item;
    }));
  }

  byId("field-photos").addEventListener("change", async (event) => {
    const input = event.target;
    const unreadable = [];
    for (const file of Array.from(input.files)) {
      try {
        const blob = await smaller(file);
        photos.push({blob, url: URL.createObjectURL(blob)});
      } catch {
        unreadable.push(file.name);
      }
    }
    input.value = "";  // the next choice adds to these
    drawPhotos();
    if (unreadable.length) {  // said once, in the browser's own bubble; the photos that could be read stay
      input.setCustomValidity(fill(words.photoUnreadable, {name: unreadable.join(", ")}));
      input.reportValidity();
      input.setCustomValidity("");
    }
  });

  // Saving: into the queue, with the moment of pressing Save; then sent at once if there is a signal -------------

  form.addEventListener("input", (event) => { event.target.dataset.touched = "1"; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const here = where();
    const fields = {};
    form.querySelector(`fieldset[data-kind=${here.kind}]`).querySelectorAll("[name]").forEach((input) => {
      input.value = input.value.trim();
      fields[input.name] = input.value;
    });
    if (!form.reportValidity()) return;
    const member = members().get(here.member);
    byId("field-save").disabled = true;
    try {
      await field.add({kind: here.kind, member: here.member, task: here.task, fields,
                       photos: photos.map((photo) => photo.blob),
                       label: {member: member ? member.name : "—"}});
    } finally {
      byId("field-save").disabled = false;
    }
    photos.forEach((photo) => URL.revokeObjectURL(photo.url));
    photos = [];
    window.location.assign(link("saved"));
    field.sendSoon();
  });

  // Decisions about a record the server refused as a conflict.
  byId("field-records").addEventListener("click", async (event) => {
    const button = event.target.closest("[data-decide]");
    if (!button) return;
    if (button.dataset.decide === "discard") {
      if (window.confirm(words.discardQuestion)) await field.discard(button.dataset.record);
    } else {
      await field.withoutTask(button.dataset.record);
      field.sendSoon();
    }
  });

  // Back to the list: the field page's own address, also when this page stands in for another one.
  document.querySelectorAll("#field-app .field-back").forEach((back) => { back.href = link(""); });
  window.addEventListener("hashchange", () => {
    entering = true;
    draw();
  });
  field.onChange(() => { if (!field.isForgotten()) draw(); });
  draw();
})();
