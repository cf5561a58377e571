// The upload page: file picker and drag-and-drop, then PUT /jobs/submit/tarball (the API itself)
// and on to the status page. Messages go into a live region so screen readers hear them.
'use strict';

(function () {
  const form = document.getElementById('submit-form');
  const input = document.getElementById('package');
  const zone = document.getElementById('drop-zone');
  const hint = document.getElementById('drop-hint');
  // Absent when the farm sends no mail.
  const email = document.getElementById('email');
  const asCran = document.getElementById('as-cran');
  const revdeps = document.getElementById('revdeps');
  const revdepsSuggests = document.getElementById('revdeps-suggests');
  const envVars = document.getElementById('env-vars');
  const button = document.getElementById('submit-button');
  const message = document.getElementById('submit-message');
  const limit = Number(form.dataset.uploadLimit);

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle('error', Boolean(isError));
  }

  function describe(file) {
    const size = file.size < 1024 * 1024 ? (file.size / 1024).toFixed(1) + ' KB' : (file.size / 1024 / 1024).toFixed(1) + ' MB';
    hint.textContent = 'Chosen: ' + file.name + ' (' + size + ')';
  }

  input.addEventListener('change', function () {
    if (input.files.length > 0) describe(input.files[0]);
  });

  ['dragenter', 'dragover'].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.add('dragging');
    });
  });
  ['dragleave', 'drop'].forEach(function (type) {
    zone.addEventListener(type, function () {
      zone.classList.remove('dragging');
    });
  });
  zone.addEventListener('drop', function (event) {
    event.preventDefault();
    if (!event.dataTransfer || event.dataTransfer.files.length === 0) return;
    input.files = event.dataTransfer.files;
    describe(input.files[0]);
  });

  function problem() {
    const file = input.files[0];
    if (!file) return 'Choose the package source file (.tar.gz) first.';
    if (!/\.(tar\.gz|tgz)$/i.test(file.name)) return file.name + ' is not a .tar.gz: upload the file that R CMD build makes.';
    if (file.size > limit) return file.name + ' is larger than this farm takes (' + Math.round(limit / 1024 / 1024) + ' MB).';
    if (!form.querySelector('input[name="platform"]:checked')) return 'Pick at least one platform.';
    if (email && !email.checkValidity()) return 'The e-mail address does not look right; correct it or leave it empty.';
    return null;
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    const refusal = problem();
    if (refusal) {
      say(refusal, true);
      return;
    }
    const query = new URLSearchParams();
    form.querySelectorAll('input[name="platform"]:checked').forEach(function (box) {
      query.append('platform', box.value);
    });
    if (email && email.value.trim()) query.set('email', email.value.trim());
    if (asCran.checked) query.append('check_args', '--as-cran');
    if (revdeps.checked || revdepsSuggests.checked) query.set('revdeps', 'true');
    if (revdepsSuggests.checked) query.set('revdeps_which', 'most');
    envVars.value.split('\n').forEach(function (line) {
      if (line.trim()) query.append('env_vars', line.trim());
    });
    button.disabled = true;
    say('Uploading ' + input.files[0].name + '…');
    try {
      const response = await fetch('/jobs/submit/tarball?' + query, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/gzip', Accept: 'application/json' },
        body: input.files[0],
      });
      const body = await response.json().catch(function () {
        return null;
      });
      if (!response.ok) {
        say(body && body.error ? body.error.message : 'The farm answered ' + response.status + '.', true);
        button.disabled = false;
        return;
      }
      say('Submitted; opening the status page…');
      window.location.assign('/status/' + encodeURIComponent(body.id));
    } catch (error) {
      say('Could not reach the farm: ' + error.message, true);
      button.disabled = false;
    }
  });
})();
