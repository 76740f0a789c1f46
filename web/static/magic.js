// The sign-in link page (/auth/magic#token=...). The token sits in the URL fragment,
// which the browser never sends to a server. Loading this page uses nothing up: mail
// scanners that fetch links cannot spend them. Only a click on "Sign in" posts the token.
'use strict';
(function () {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get('token');
  // Drop the token from the address bar and the history at once.
  if (window.location.hash) {
    history.replaceState(null, '', window.location.pathname);
  }
  const button = document.getElementById('magic-signin');
  // After a refusal: "Send a new link" asks again for this link's address.
  const offerResend = () => {
    const field = document.getElementById('resend-token');
    const box = document.getElementById('magic-resend');
    if (field && box) {
      field.value = token;
      box.hidden = false;
    }
  };
  const status = document.getElementById('magic-status');
  if (!token || !button) {
    return;
  }
  document.getElementById('magic-js').hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Signing you in…';
    try {
      const res = await fetch('/api/v1/auth/magic-link/consume', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: token }),
        credentials: 'same-origin',
      });
      if (res.ok) {
        window.location.assign('/');
        return;
      }
      let message = 'This link cannot be used. Ask for a new one.';
      try {
        const body = await res.json();
        if (body && body.error && body.error.message) {
          message = body.error.message;
        }
      } catch (e) { /* keep the generic message */ }
      status.textContent = message;
      offerResend();
    } catch (e) {
      status.textContent = 'The server could not be reached. Try again.';
    }
    button.disabled = false;
  });
})();
