// The CSV import's file picker (/hours/import): the browser reads the chosen file with
// FileReader and sends its text to POST /api/v1/hours/imports as text/csv, then opens
// the server's preview. The file is never stored, by the browser or the server. Without
// this script the page offers the text area only, posted as a normal form.
// When the server cannot tell the file's columns apart, the text goes into the text area
// and the form is posted, so the server's page asks which column holds what.
'use strict';
(function () {
  const form = document.getElementById('hours-import');
  const field = document.getElementById('csv-file-field');
  const input = document.getElementById('csv_file');
  const status = document.getElementById('csv-file-status');
  if (!form || !field || !input || !window.FileReader || !window.fetch) {
    return;
  }
  field.hidden = false;

  function query() {
    const params = new URLSearchParams();
    const setting = form.elements.namedItem('setting_id');
    if (setting && setting.value) {
      params.set('setting_id', setting.value);
    }
    form.querySelectorAll('select[name^="map."]').forEach(function (s) {
      if (s.value) {
        params.set(s.name, s.value);
      }
    });
    const q = params.toString();
    return q ? '?' + q : '';
  }

  input.addEventListener('change', function () {
    const file = input.files && input.files[0];
    if (!file) {
      return;
    }
    status.textContent = 'Reading the file…';
    const reader = new FileReader();
    reader.onerror = function () {
      status.textContent = 'Your browser could not read that file. Paste its text below instead.';
    };
    reader.onload = function () {
      const text = String(reader.result);
      status.textContent = 'Sending the file…';
      fetch(form.dataset.api + query(), {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'text/csv',
          'X-CSRF-Token': form.elements.namedItem('csrf_token').value,
        },
        body: text,
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (res.status === 201 && body.id) {
            window.location.assign('/hours/import/' + encodeURIComponent(body.id));
          } else if (res.status === 422 && body.missing) {
            // The server's page asks for the columns: post the text as the form would.
            form.elements.namedItem('csv').value = text;
            form.submit();
          } else {
            const message = body.error && body.error.message;
            status.textContent = message || 'The file could not be sent. Try again, or paste its text below.';
          }
        });
      }).catch(function () {
        status.textContent = 'The file could not be sent (no connection?). Try again.';
      });
    };
    reader.readAsText(file);
  });
})();
