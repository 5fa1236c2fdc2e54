// The workbench's few interactions, in plain JavaScript (no build, no library): decisions
// posted as JSON with the page's CSRF token, the parts they change redrawn from the server's
// HTML, keyboard shortcuts, check documentation in a dialog, drag-and-drop upload.
"use strict";
(function () {
  const main = document.querySelector("main");
  const csrf = main ? main.dataset.csrf : "";
  const head = document.getElementById("formhead");

  async function post(url, body) {
    const reply = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify(body),
    });
    if (!reply.ok) { alert("保存失败：" + (await reply.text())); return null; }
    return reply.json();
  }

  function redraw(data) {
    if (!data) return;
    for (const [id, html] of Object.entries(data.cards || {})) {
      const old = document.getElementById(id);
      if (old) { old.outerHTML = html; }
    }
    for (const [id, text] of Object.entries(data.cells || {})) {
      const cell = document.getElementById(id);
      if (cell) { cell.textContent = text[0]; cell.classList.toggle("open", text[1]); }
    }
    if (data.scores) document.getElementById("scores-panel").innerHTML = data.scores;
    if (data.preview) document.getElementById("preview").innerHTML = data.preview;
    if (data.status) {
      const badge = document.getElementById("review-status");
      badge.className = "status " + data.status[0]; badge.textContent = data.status[1];
    }
    if (data.reload) location.reload();
  }

  // --- suggestions ---------------------------------------------------------------
  const cards = () => Array.from(document.querySelectorAll("article.card"));
  let focused = null;

  function focus(card, scroll) {
    if (!card) return;
    cards().forEach(c => c.classList.remove("focus"));
    card.classList.add("focus");
    focused = card.id;
    card.focus({preventScroll: true});
    if (scroll !== false) card.scrollIntoView({block: "nearest", behavior: "smooth"});
  }

  function current() {
    return (focused && document.getElementById(focused)) || null;
  }

  async function decide(card, verdict, extra) {
    const data = await post("/api/decide", Object.assign({seq: head.dataset.seq, item: card.dataset.item, verdict: verdict}, extra || {}));
    const id = card.id;
    redraw(data);
    focus(document.getElementById(id));
  }

  function openForm(card, selector) {
    const form = card.querySelector(selector);
    if (!form) return;
    form.hidden = false;
    const field = form.querySelector("textarea, input");
    if (field) field.focus();
  }

  document.addEventListener("click", async (event) => {
    const doc = event.target.closest("a[data-doc]");
    if (doc) {
      const dialog = document.getElementById("doc-" + doc.dataset.doc);
      if (dialog) { event.preventDefault(); dialog.showModal(); }
      return;
    }
    const status = event.target.closest("button[data-status]");
    if (status) { redraw(await post("/api/status", {seq: head.dataset.seq, status: status.dataset.status})); return; }
    const button = event.target.closest("button[data-act]");
    if (!button) {
      const clicked = event.target.closest("article.card");
      if (clicked && !event.target.closest("form, a")) focus(clicked, false);
      return;
    }
    const card = button.closest("article.card");
    focus(card);
    const act = button.dataset.act;
    if (act === "accepted") decide(card, "accepted");
    else if (act === "rejected") openForm(card, "form.rejecter");
    else if (act === "edit") openForm(card, "form.editor");
    else if (act === "cancel") button.closest("form").hidden = true;
    else if (act === "undo") decide(card, "undo");
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.id === "opinion-form") {
      event.preventDefault();
      const data = await post("/api/opinion", {seq: head.dataset.seq, text: form.elements.text.value});
      redraw(data);
      if (data) document.getElementById("opinion-saved").textContent = "已保存";
      return;
    }
    const card = form.closest("article.card");
    if (form.classList.contains("editor")) {
      event.preventDefault();
      const score = form.elements.score ? form.elements.score.value : "";
      decide(card, "edited", {text: form.elements.text.value, score: score, reason: form.elements.reason.value});
    } else if (form.classList.contains("rejecter")) {
      event.preventDefault();
      decide(card, "rejected", {reason: form.elements.reason.value});
    } else if (form.classList.contains("own-form")) {
      event.preventDefault();
      const score = form.elements.score ? form.elements.score.value : "";
      redraw(await post("/api/own", {seq: head.dataset.seq, index: form.dataset.index, text: form.elements.text.value, score: score}));
    }
  });

  // --- keyboard ------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select");
    if (typing || event.ctrlKey || event.metaKey || event.altKey) {
      if (event.key === "Escape" && typing) { typing.blur(); }
      return;
    }
    if (event.key === "/") {
      const search = document.getElementById("search");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if (!head) return;
    const all = cards();
    const here = all.indexOf(current());
    const card = current();
    const keys = {
      j: () => focus(all[Math.min(here + 1, all.length - 1)] || all[0]),
      k: () => focus(all[Math.max(here - 1, 0)]),
      n: () => focus(all.slice(here + 1).find(c => c.classList.contains("open")) || all.find(c => c.classList.contains("open"))),
      a: () => card && card.dataset.item.startsWith("comment:") && decide(card, "accepted"),
      r: () => card && openForm(card, "form.rejecter"),
      e: () => card && openForm(card, "form.editor"),
      "]": () => { const next = document.getElementById("next-form"); if (next) location.href = next.href; },
      "[": () => { const prev = document.getElementById("prev-form"); if (prev) location.href = prev.href; },
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });

  // --- upload by drag and drop ---------------------------------------------------
  const zone = document.getElementById("upload");
  if (zone) {
    const form = document.getElementById("upload-form");
    ["dragenter", "dragover"].forEach(t => zone.addEventListener(t, e => { e.preventDefault(); zone.classList.add("over"); }));
    ["dragleave", "drop"].forEach(t => zone.addEventListener(t, e => { e.preventDefault(); zone.classList.remove("over"); }));
    zone.addEventListener("drop", (e) => {
      form.elements.files.files = e.dataTransfer.files;
      form.submit();
    });
  }
  if (head) { const first = cards().find(c => c.classList.contains("open")); if (first) focus(first, false); }
})();
