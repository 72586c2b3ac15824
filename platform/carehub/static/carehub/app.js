// Forms with data-confirm ask before submitting. Kept out of inline handlers so the CSP can forbid inline script.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
}, true);

// Buttons with data-copy="<selector>" copy that element's link (or text) and say so (data-copied) for a moment.
document.addEventListener("click", async (event) => {
  const button = event.target.closest && event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  await navigator.clipboard.writeText(source.href || source.textContent.trim());
  const label = button.textContent;
  button.textContent = button.dataset.copied || label;
  setTimeout(() => { button.textContent = label; }, 2000);
});

// Organisation choices (select[data-tree-search], carehub.portal.widgets.NodeSelect) get a search box above them:
// typing narrows the options to the names containing the text and the organisations above them, so a district's
// 286 names become a handful. The box has no name (it is never submitted) and its own events stay out of the form's
// (the member list refreshes on any change in its form). Options are taken out rather than hidden: phones' pickers
// show hidden options. The chosen option always stays; when one name alone matches it is chosen.
function treeSearch(select) {
  if (select.dataset.treeReady) return;
  select.dataset.treeReady = "1";
  const all = Array.from(select.options).map((option) => ({
    option, depth: option.dataset.depth === undefined ? -1 : Number(option.dataset.depth),
    name: option.textContent.trim().toLowerCase(),
  }));
  const box = document.createElement("input");
  box.type = "search";
  box.className = "tree-search";
  box.autocomplete = "off";
  box.placeholder = select.dataset.treeSearch;
  box.setAttribute("aria-label", select.dataset.treeSearch);
  if (select.id) box.setAttribute("aria-controls", select.id);
  const wrapper = document.createElement("div");
  wrapper.className = "tree-pick";
  select.parentNode.insertBefore(wrapper, select);
  wrapper.append(box, select);
  const narrow = () => {
    const text = box.value.trim().toLowerCase();
    const keep = new Set();
    const above = [];
    const matches = [];
    for (const item of all) {
      if (item.depth < 0) { keep.add(item); continue; }  // "All organisations" and the like
      above.length = item.depth;
      if (!text || item.name.includes(text)) {
        matches.push(item);
        keep.add(item);
        above.forEach((ancestor) => keep.add(ancestor));
      }
      above.push(item);
    }
    const chosen = select.value;
    all.forEach((item) => { if (item.option.value === chosen) keep.add(item); });
    select.replaceChildren(...all.filter((item) => keep.has(item)).map((item) => item.option));
    select.value = chosen;
    // Only "true" is said: Pico draws aria-invalid="false" as a green tick, which would mean nothing here.
    if (text && !matches.length) box.setAttribute("aria-invalid", "true");
    else box.removeAttribute("aria-invalid");
    if (text && matches.length === 1 && select.value !== matches[0].option.value) {
      select.value = matches[0].option.value;
      select.dispatchEvent(new Event("change", {bubbles: true}));
    }
  };
  box.addEventListener("input", narrow);
  box.addEventListener("change", (event) => event.stopPropagation());
  box.addEventListener("keydown", (event) => {  // Enter would submit the form with nothing chosen yet
    if (event.key === "Enter") { event.preventDefault(); select.focus(); }
  });
}

// The organisation tree page (input[data-tree-filter="#tree"]): typing shows the organisations whose name contains
// the text, with the branches above them opened; emptying the box brings the tree back as it was.
function treeFilter(box) {
  const tree = document.querySelector(box.dataset.treeFilter);
  if (!tree || box.dataset.treeReady) return;
  box.dataset.treeReady = "1";
  const items = Array.from(tree.querySelectorAll("li[data-name]"));
  const wasOpen = new Map(Array.from(tree.querySelectorAll("details")).map((details) => [details, details.open]));
  const none = document.querySelector(box.dataset.treeNone);
  const filter = () => {
    const text = box.value.trim().toLowerCase();
    if (!text) {
      items.forEach((item) => { item.hidden = false; });
      wasOpen.forEach((open, details) => { details.open = open; });
      if (none) none.hidden = true;
      return;
    }
    const shown = new Set();
    for (const item of items) {
      if (!item.dataset.name.toLowerCase().includes(text)) continue;
      for (let up = item; up && up !== tree; up = up.parentElement) {
        if (up.matches("li[data-name]")) shown.add(up);
        if (up.matches("details") && up.parentElement !== item) up.open = true;
      }
    }
    items.forEach((item) => { item.hidden = !shown.has(item); });
    if (none) none.hidden = shown.size > 0;
  };
  box.addEventListener("input", filter);
  box.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
}

function enhanceTrees(root) {
  root.querySelectorAll("select[data-tree-search]").forEach(treeSearch);
  root.querySelectorAll("input[data-tree-filter]").forEach(treeFilter);
}
document.addEventListener("DOMContentLoaded", () => enhanceTrees(document));
// Forms swapped in by HTMX (a fragment with a form) get theirs too.
document.addEventListener("htmx:load", (event) => enhanceTrees(event.target));

// The sections menu on a phone (base.html, .menu-toggle): the link opens and closes the list in place and says so
// (aria-expanded); Escape closes it and gives the focus back to the link. Without JS the link's #sections target
// opens it (app.css).
function setMenu(nav, open) {
  nav.classList.toggle("open", open);
  nav.querySelector(".menu-toggle").setAttribute("aria-expanded", String(open));
}
document.addEventListener("click", (event) => {
  const toggle = event.target.closest && event.target.closest(".menu-toggle");
  if (!toggle) return;
  event.preventDefault();
  const nav = toggle.closest("nav");
  setMenu(nav, !nav.classList.contains("open"));
});
document.addEventListener("keydown", (event) => {
  const nav = event.key === "Escape" && document.querySelector("nav.sections.open");
  if (!nav) return;
  setMenu(nav, false);
  nav.querySelector(".menu-toggle").focus();
});
