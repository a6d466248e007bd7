// Behaviour of the portal's pages, kept out of the HTML so the Content-Security-Policy can forbid
// inline scripts. A <select data-autosubmit> submits its form when changed (the institution
// switcher, the unit filter); without JavaScript a <noscript> button does the same.
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});

// The roster's panel (one person's corrections and events) is loaded in place by htmx: bring it
// into view and put the keyboard there.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target && event.detail.target.id === "panel") {
    event.detail.target.scrollIntoView({ block: "start" });
    const first = event.detail.target.querySelector("select, input:not([type=hidden]), button");
    if (first) first.focus({ preventScroll: true });
  }
});
