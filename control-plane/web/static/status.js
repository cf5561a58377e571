// The status page, live: the builds table is fetched again (rendered and escaped on the server)
// while anything is unfinished, the console output streams over server-sent events, and the Cancel
// button calls DELETE /jobs/<id>. Output is added as text nodes, never as markup.
'use strict';

(function () {
  const POLL_MS = 2000;
  const job = document.getElementById('job');
  const jobId = job.dataset.jobId;
  const builds = document.getElementById('builds');
  const cancelButton = document.getElementById('cancel-button');
  const cancelMessage = document.getElementById('cancel-message');
  const output = document.getElementById('output');
  const outputState = document.getElementById('output-state');
  const chooser = document.getElementById('output-platform');
  const autoscrollButton = document.getElementById('autoscroll');
  let autoscroll = true;
  let fetchedAt = Date.now();

  function table() {
    return builds.querySelector('table.builds');
  }

  function buildStatus(platform) {
    const row = Array.from(builds.querySelectorAll('tr.build')).find(function (candidate) {
      return candidate.dataset.platform === platform;
    });
    return row ? row.dataset.status : null;
  }

  function isUnfinished(status) {
    return status === 'SUBMITTED' || status === 'QUEUED' || status === 'RUNNING';
  }

  // ---- the builds table -------------------------------------------------------------------
  function formatElapsed(seconds) {
    const whole = Math.floor(seconds);
    const two = function (value) {
      return String(value).padStart(2, '0');
    };
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    return hours > 0 ? hours + ':' + two(minutes) + ':' + two(whole % 60) : minutes + ':' + two(whole % 60);
  }

  function tick() {
    builds.querySelectorAll('td.elapsed[data-elapsed]').forEach(function (cell) {
      cell.textContent = formatElapsed(Number(cell.dataset.elapsed) + (Date.now() - fetchedAt) / 1000);
    });
  }

  function applyState() {
    const unfinished = Number(table().dataset.unfinished);
    cancelButton.hidden = unfinished === 0;
    return unfinished;
  }

  async function refresh() {
    const response = await fetch('/status/' + encodeURIComponent(jobId) + '/builds', { headers: { Accept: 'text/html' } });
    if (!response.ok) throw new Error('the farm answered ' + response.status);
    const text = await response.text();
    const open = Array.from(builds.querySelectorAll('details[open]')).map(function (details) {
      return details.dataset.platform;
    });
    // Same-origin markup built by the server's escaping templates (web/html.ts).
    const template = document.createElement('template');
    template.innerHTML = text;
    template.content.querySelectorAll('details[data-platform]').forEach(function (details) {
      if (open.includes(details.dataset.platform)) details.open = true;
    });
    builds.replaceChildren(template.content);
    fetchedAt = Date.now();
    return applyState();
  }

  function poll() {
    setTimeout(async function () {
      const unfinished = await refresh().catch(function () {
        return 1; // a blip: try again
      });
      if (unfinished > 0) poll();
    }, POLL_MS);
  }

  // ---- the console output -----------------------------------------------------------------
  let source = null;
  let attempt = null;

  function scrollDown() {
    if (autoscroll) output.scrollTop = output.scrollHeight;
  }

  function stopStream() {
    if (source) source.close();
    source = null;
  }

  function stream(platform) {
    stopStream();
    attempt = null;
    output.textContent = '';
    outputState.textContent = 'following live…';
    const url = '/jobs/output/' + encodeURIComponent(jobId) + '?platform=' + encodeURIComponent(platform);
    const events = new EventSource(url);
    source = events;
    events.addEventListener('output', function (event) {
      const chunk = JSON.parse(event.data);
      if (attempt !== null && chunk.attempt !== attempt) {
        // A lost worker's build starts again: show the new attempt alone.
        output.textContent = '';
        outputState.textContent = 'attempt ' + chunk.attempt + ', following live…';
      }
      attempt = chunk.attempt;
      output.append(document.createTextNode(chunk.text));
      scrollDown();
    });
    events.addEventListener('end', function (event) {
      outputState.textContent = 'finished: ' + JSON.parse(event.data).status;
    });
    events.addEventListener('close', function () {
      stopStream();
      if (outputState.textContent === 'following live…') outputState.textContent = 'finished';
    });
    // The stream replays from the start, so a reconnect starts over instead of duplicating text.
    events.addEventListener('error', function () {
      if (source !== events) return;
      stopStream();
      setTimeout(function () {
        if (source === null && chosenPlatform() === platform) show(platform);
      }, POLL_MS);
    });
  }

  async function showFinished(platform) {
    stopStream();
    outputState.textContent = 'loading…';
    const response = await fetch('/jobs/output/' + encodeURIComponent(jobId) + '?platform=' + encodeURIComponent(platform), {
      headers: { Accept: 'text/plain' },
    });
    output.textContent = await response.text();
    outputState.textContent = '';
    scrollDown();
  }

  function show(platform) {
    if (isUnfinished(buildStatus(platform))) stream(platform);
    else
      showFinished(platform).catch(function (error) {
        outputState.textContent = 'could not load the output: ' + error.message;
      });
  }

  function chosenPlatform() {
    return chooser ? chooser.value : output.dataset.platform;
  }

  autoscrollButton.addEventListener('click', function () {
    autoscroll = !autoscroll;
    autoscrollButton.setAttribute('aria-pressed', String(autoscroll));
    autoscrollButton.textContent = 'Auto-scroll: ' + (autoscroll ? 'on' : 'paused');
    scrollDown();
  });

  if (chooser)
    chooser.addEventListener('change', function () {
      show(chooser.value);
    });

  // ---- cancel -----------------------------------------------------------------------------
  cancelButton.addEventListener('click', async function () {
    if (!window.confirm('Cancel every unfinished build of this job?')) return;
    cancelButton.disabled = true;
    cancelMessage.classList.remove('error');
    cancelMessage.textContent = 'Cancelling…';
    try {
      const response = await fetch('/jobs/' + encodeURIComponent(jobId), { method: 'DELETE', headers: { Accept: 'application/json' } });
      const body = await response.json().catch(function () {
        return null;
      });
      if (!response.ok) throw new Error(body && body.error ? body.error.message : 'the farm answered ' + response.status);
      cancelMessage.textContent = 'Cancelled.';
      await refresh();
    } catch (error) {
      cancelMessage.classList.add('error');
      cancelMessage.textContent = 'Could not cancel: ' + error.message;
    } finally {
      cancelButton.disabled = false;
    }
  });

  setInterval(tick, 1000);
  if (applyState() > 0) poll();
  if (output.dataset.live === 'true') stream(chosenPlatform());
  else scrollDown();
})();
