// The signing page (/sign#token=...). The token sits in the URL fragment, which the
// browser never sends to a server; this script posts it to open the week. Opening uses
// nothing up: only the PIN and "Sign" do.
'use strict';
(function () {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get('token');
  if (window.location.hash) {
    history.replaceState(null, '', window.location.pathname);
  }
  const form = document.getElementById('sign-open');
  const field = document.getElementById('sign-token');
  const status = document.getElementById('sign-status');
  if (!token || !form || !field) {
    if (status) {
      status.textContent = 'Paste the whole link from the email here.';
    }
    return;
  }
  field.value = token;
  status.textContent = 'Opening the week…';
  form.submit();
})();
