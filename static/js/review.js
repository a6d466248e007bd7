/* The review queue: one keystroke each. C confirms the best candidate, 1-3 pick a candidate,
   U marks unknown, O moves to the "another person" list. Keys typed into a field are left alone. */
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const tag = (event.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "select" || tag === "textarea") return;
  const key = event.key.toLowerCase();
  if (key === "o") { event.preventDefault(); document.getElementById("other-person").focus(); return; }
  const form = document.querySelector('form[data-key="' + key + '"]');
  if (form && !form.querySelector("button[disabled]")) { event.preventDefault(); form.submit(); }
});
