// The verify page (/verify): a chosen receipt file is read by the browser into the text
// area, which is posted as a normal form. Without this script the text area alone works.
'use strict';
(function () {
  const field = document.getElementById('verify-file-field');
  const input = document.getElementById('verify-file');
  const area = document.getElementById('verify-receipt');
  if (!field || !input || !area || !window.FileReader) {
    return;
  }
  field.hidden = false;
  input.addEventListener('change', function () {
    const file = input.files && input.files[0];
    if (!file) {
      return;
    }
    const reader = new FileReader();
    reader.onload = function () {
      area.value = String(reader.result);
    };
    reader.readAsText(file);
  });
})();
