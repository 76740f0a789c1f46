// Pages opened from a link whose token sits in the URL fragment (/supervisor/accept#token=,
// /supervisor/pin#token=). The browser never sends a fragment to a server; this puts the
// token into the page's form (fields marked data-fragment-token), shows what needs it
// (data-needs-token), hides what is only for pages without one (data-without-token), and
// drops the token from the address bar and the history. Loading the page uses nothing up.
'use strict';
(function () {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (window.location.hash) {
    history.replaceState(null, '', window.location.pathname);
  }
  if (!token) {
    return;
  }
  document.querySelectorAll('[data-fragment-token]').forEach((f) => { f.value = token; });
  document.querySelectorAll('[data-needs-token]').forEach((e) => { e.hidden = false; });
  document.querySelectorAll('[data-without-token]').forEach((e) => { e.hidden = true; });
})();
