/* Downscale photos on the phone before upload (long edge 2048, JPEG 0.8): a 4 MB photo travels as a few hundred KB. */
(function () {
  "use strict";
  var LONG_EDGE = 2048;
  var QUALITY = 0.8;

  function shrink(file) {
    if (!window.createImageBitmap || !/^image\//.test(file.type)) { return Promise.resolve(file); }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, LONG_EDGE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          // Keep the original when the browser could not do better (tiny images, exotic formats).
          if (!blob || (blob.size >= file.size && scale === 1)) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; }); // e.g. HEIC on a browser that cannot decode it: the server can.
  }

  // The outbox stores photos made small the same way (static/js/outbox.js).
  window.XiaobaoPhotos = { shrink: shrink };

  function preview(input, files) {
    var box = input.form && input.form.querySelector("#photo-previews");
    if (!box) { return; }
    box.innerHTML = "";
    files.forEach(function (file) {
      var img = document.createElement("img");
      img.alt = file.name;
      if (/^image\/(jpeg|png|webp)$/.test(file.type)) { img.src = URL.createObjectURL(file); }
      box.appendChild(img);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-photo-input]")) { return; }
    var max = parseInt(input.dataset.max || "9", 10);
    var chosen = Array.prototype.slice.call(input.files);
    var note = input.form.querySelector(".photo-note");
    if (!note) {
      note = document.createElement("small");
      note.className = "photo-note muted";
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = "";
    if (chosen.length > max) {
      chosen = chosen.slice(0, max);
      note.textContent = document.documentElement.lang === "en"
        ? "Only the first " + max + " photos are kept." : "最多 " + max + " 张照片,已保留前 " + max + " 张。";
    }
    var buttons = input.form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    Promise.all(chosen.map(shrink)).then(function (files) {
      var transfer = new DataTransfer();
      files.forEach(function (f) { transfer.items.add(f); });
      input.files = transfer.files;
      preview(input, files);
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  });
})();
