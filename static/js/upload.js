/* Upload page: drag and drop (or choose) many files; each one is sent on its own XHR so it gets
   its own progress bar, then its processing is followed by htmx polling the sample's status
   partial until it is done. Without JavaScript the form posts normally. */
(function () {
  "use strict";
  function setUp(form) {
    const zone = form.querySelector(".dropzone");
    const input = form.querySelector("input[type=file]");
    const list = document.getElementById(form.dataset.list);

    function send(file) {
      const item = document.createElement("li");
      item.className = "upload-item";
      const name = document.createElement("strong");
      name.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", "Upload of " + file.name);
      const state = document.createElement("span");
      state.className = "muted"; state.textContent = " uploading";
      item.append(name, " ", bar, state);
      list.prepend(item);

      const data = new FormData(form);
      data.delete("files");
      data.append("file", file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.endpoint);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          bar.value = Math.round((100 * event.loaded) / event.total);
          state.textContent = " " + bar.value + "% uploaded";
        }
      });
      xhr.addEventListener("load", function () {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (xhr.status >= 400) {
          bar.remove();
          const error = document.createElement("span");
          error.className = "message error"; error.setAttribute("role", "alert");
          error.textContent = " " + (body.errors || ("HTTP " + xhr.status));
          state.replaceWith(error);
          return;
        }
        bar.value = 100;
        state.textContent = body.created ? " uploaded" : " already uploaded before";
        const status = document.createElement("div");
        status.className = "sample-status";
        status.setAttribute("hx-get", body.status_url);
        status.setAttribute("hx-trigger", "load, every 1s");
        status.setAttribute("hx-swap", "innerHTML");
        item.append(status);
        if (window.htmx) window.htmx.process(status);
      });
      xhr.addEventListener("error", function () { state.textContent = " network error"; });
      xhr.send(data);
    }

    function take(files) { Array.from(files).forEach(send); input.value = ""; }
    input.addEventListener("change", function () { take(input.files); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) { take(event.dataTransfer.files); });
    form.addEventListener("submit", function (event) { event.preventDefault(); take(input.files); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload]").forEach(setUp);
  });
})();
