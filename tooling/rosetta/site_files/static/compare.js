// The operation page's controls: which implementations are shown (a grid of any, or two as
// a diff). Plain JavaScript, no build; the state lives in the URL's hash (#diff=a,b or
// #show=a,b,c) so that a view can be linked to. Without JavaScript every pane is shown.
(function () {
  "use strict";
  const form = document.getElementById("controls");
  const container = document.getElementById("panes");
  const panes = Array.from(container.querySelectorAll(".pane"));
  const boxes = Array.from(form.querySelectorAll('input[name="impl"]'));
  const left = document.getElementById("left");
  const right = document.getElementById("right");
  const layers = document.getElementById("layers");

  const pane = (name) => panes.find((p) => p.dataset.impl === name);
  const view = () => form.querySelector('input[name="view"]:checked').value;

  function lines(section) {
    return Array.from(section.querySelectorAll(".handler .line")).map((el) => ({
      el,
      text: el.textContent.trim().replace(/\s+/g, " "),
    }));
  }

  // Lines of one handler missing from the other, by a longest common subsequence.
  function mark(a, b) {
    const x = lines(a);
    const y = lines(b);
    const table = Array.from({ length: x.length + 1 }, () => new Array(y.length + 1).fill(0));
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        table[i][j] = x[i].text === y[j].text
          ? table[i + 1][j + 1] + 1
          : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < x.length && j < y.length) {
      if (x[i].text === y[j].text) { i++; j++; }
      else if (table[i + 1][j] >= table[i][j + 1]) x[i++].el.classList.add("del");
      else y[j++].el.classList.add("add");
    }
    while (i < x.length) x[i++].el.classList.add("del");
    while (j < y.length) y[j++].el.classList.add("add");
  }

  function apply() {
    container.querySelectorAll(".line.del, .line.add").forEach((el) => el.classList.remove("del", "add"));
    const diff = view() === "diff";
    form.classList.toggle("diff", diff);
    container.classList.toggle("diff", diff);
    container.classList.toggle("layers", layers.checked);
    let hash;
    if (diff) {
      for (const p of panes) {
        p.hidden = p.dataset.impl !== left.value && p.dataset.impl !== right.value;
        p.style.order = p.dataset.impl === left.value ? "0" : "1";
      }
      if (left.value !== right.value) mark(pane(left.value), pane(right.value));
      hash = "diff=" + left.value + "," + right.value;
    } else {
      const shown = boxes.filter((b) => b.checked).map((b) => b.value);
      for (const p of panes) {
        p.hidden = !shown.includes(p.dataset.impl);
        p.style.order = "";
      }
      hash = shown.length === boxes.length ? "" : "show=" + shown.join(",");
    }
    history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
  }

  function restore() {
    const [key, value] = decodeURIComponent(location.hash.slice(1)).split("=");
    const names = (value || "").split(",").filter((n) => pane(n));
    if (key === "diff" && names.length === 2) {
      form.querySelector('input[name="view"][value="diff"]').checked = true;
      [left.value, right.value] = names;
    } else {
      form.querySelector('input[name="view"][value="grid"]').checked = true;
      for (const b of boxes) b.checked = key !== "show" || names.includes(b.value);
    }
  }

  form.addEventListener("change", apply);
  form.querySelectorAll("button[data-all]").forEach((button) =>
    button.addEventListener("click", () => {
      for (const b of boxes) b.checked = button.dataset.all === "true";
      apply();
    }),
  );
  window.addEventListener("hashchange", () => {
    restore();
    apply();
  });
  restore();
  apply();
})();
