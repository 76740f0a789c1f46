// Autosave for the note and summary editors (forms with data-draft-url): a few seconds
// after typing, and when the page is left, the editor's fields are kept as a draft on
// the server (sealed there with the client's key; nothing is kept in the browser). The
// form works the same without this script.
// If the session ended, the text stays on the page: sign in again in another tab, then
// save here (the form picks up the new session's token first).
// Also shows <time data-local> in the browser's own time.
'use strict';
(function () {
  const FIELD = /^(format|session_date|session_time|duration_minutes|form_token|text|section_[a-z]+)$/;
  const DELAY_MS = 3000;

  function clock(date) {
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  document.querySelectorAll('time[data-local]').forEach(function (t) {
    const d = new Date(t.getAttribute('datetime'));
    if (!isNaN(d.getTime())) {
      t.textContent = d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    }
  });

  document.querySelectorAll('form[data-draft-url]').forEach(function (form) {
    const url = form.dataset.draftUrl;
    const target = form.dataset.draftTarget;
    const status = form.querySelector('.draft-status');
    let saved = body();  // what the server has (the page as it came)
    let timer = null;
    let signedOut = false;
    let submitting = false;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function csrf() {
      const input = form.querySelector('input[name=csrf_token]');
      return input ? input.value : '';
    }

    function body() {
      const fields = {};
      for (const el of form.elements) {
        if (el.name && FIELD.test(el.name) && el.value !== '') {
          fields[el.name] = el.value;
        }
      }
      return JSON.stringify({ target: target, fields: fields });
    }

    // Saves the draft if it changed; resolves to true when the server has it.
    function save(leaving) {
      const next = body();
      if (next === saved) {
        return Promise.resolve(true);
      }
      return fetch(url, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
        body: next,
        credentials: 'same-origin',
        keepalive: leaving,
      }).then(function (res) {
        if (res.ok) {
          saved = next;
          signedOut = false;
          say('Draft kept at ' + clock(new Date()) + '.');
          return true;
        }
        if (res.status === 401 || res.status === 403) {
          signedOut = true;
          say('You were signed out. Your text is still on this page: sign in again in another ' +
              'tab, then come back and save.');
          return false;
        }
        say('The draft could not be kept just now; your text is still on this page.');
        return false;
      }).catch(function () {
        say('No connection: the draft could not be kept; keep this page open.');
        return false;
      });
    }

    // After signing in again elsewhere, this page needs the new session's token.
    function refreshToken() {
      return fetch('/api/v1/me', { credentials: 'same-origin' }).then(function (res) {
        if (!res.ok) {
          return false;
        }
        return res.json().then(function (me) {
          form.querySelectorAll('input[name=csrf_token]').forEach(function (i) {
            i.value = me.csrf_token;
          });
          document.querySelectorAll('form input[name=csrf_token]').forEach(function (i) {
            i.value = me.csrf_token;
          });
          signedOut = false;
          return true;
        });
      }).catch(function () { return false; });
    }

    form.addEventListener('input', function () {
      if (timer === null) {
        timer = setTimeout(function () {
          timer = null;
          if (!submitting) {
            save(false);
          }
        }, DELAY_MS);
      }
    });

    // A save or switch goes ahead only once the draft is kept (so that nothing is lost
    // if the session has ended meanwhile); the server removes the draft when it saves.
    form.addEventListener('submit', function (event) {
      if (submitting) {
        return;
      }
      event.preventDefault();
      const submitter = event.submitter || null;
      clearTimeout(timer);
      timer = null;
      const ready = signedOut ? refreshToken() : Promise.resolve(true);
      ready.then(function (ok) {
        if (!ok) {
          say('You are still signed out. Sign in again in another tab, then save here.');
          return false;
        }
        return save(false);
      }).then(function (kept) {
        if (!kept && signedOut) {
          return;
        }
        submitting = true;
        // form.submit() sends no button: the one pressed goes along as a hidden field.
        if (submitter && submitter.name) {
          const pressed = document.createElement('input');
          pressed.type = 'hidden';
          pressed.name = submitter.name;
          pressed.value = submitter.value;
          form.appendChild(pressed);
        }
        form.submit();
      });
    });

    function leave() {
      if (!submitting) {
        save(true);
      }
    }
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden') {
        leave();
      }
    });
    window.addEventListener('pagehide', leave);
  });
})();
